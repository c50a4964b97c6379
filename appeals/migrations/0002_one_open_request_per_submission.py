from django.db import migrations, models


class Migration(migrations.Migration):
    """The same submission is one request only while the first is open: a withdrawn or decided request does not
    bar filing it again."""

    dependencies = [
        ("appeals", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="removalrequest",
            name="submission_key",
            field=models.CharField(
                editable=False,
                help_text=(
                    "A hash of the case, ID number, kind and statement: the same submission sent twice while the "
                    "first is open is one request. Once that one is withdrawn or decided, it may be filed again."
                ),
                max_length=64,
                verbose_name="submission key",
            ),
        ),
        migrations.AddConstraint(
            model_name="removalrequest",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state__in", ["submitted", "under_review", "reconsideration_requested"])),
                fields=("submission_key",),
                name="request_one_open_per_submission",
            ),
        ),
    ]
