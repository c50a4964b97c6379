"""On PostgreSQL the database itself refuses UPDATE and DELETE of audit rows, whatever the client.

(SQLite, the embedded default, relies on the model and queryset guards; its `flush` between tests deletes rows,
which a trigger there would refuse.)
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION enforcement_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'enforcement_auditentry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER enforcement_auditentry_append_only
    BEFORE UPDATE OR DELETE ON enforcement_auditentry
    FOR EACH ROW EXECUTE FUNCTION enforcement_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS enforcement_auditentry_append_only ON enforcement_auditentry;
DROP FUNCTION IF EXISTS enforcement_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("enforcement", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
