"""On PostgreSQL the database refuses UPDATE and DELETE of access-log rows, as of audit rows."""

from django.db import migrations

CREATE = """
CREATE TRIGGER enforcement_accesslogentry_append_only
    BEFORE UPDATE OR DELETE ON enforcement_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION enforcement_audit_append_only();
"""
DROP = "DROP TRIGGER IF EXISTS enforcement_accesslogentry_append_only ON enforcement_accesslogentry;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("enforcement", "0005_access_log")]

    operations = [migrations.RunPython(forwards, backwards)]
