from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0002_one_open_request_per_submission"),
    ]

    operations = [
        migrations.AddField(
            model_name="removalrequest",
            name="withdrawal_code_hash",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text=(
                    "Only the person who filed the request received the withdrawal code (once, on the receipt and in "
                    "the receipt e-mail); only that code withdraws it. The code itself is never stored."
                ),
                max_length=128,
                verbose_name="withdrawal code (hashed)",
            ),
        ),
    ]
