"""
The admin's title search (IntentAdmin: `title` contains, case-insensitive) on PostgreSQL:
Django compiles it to UPPER("title"::text) LIKE UPPER('%…%'), which a trigram GIN index on
the same expression serves. pg_trgm is a trusted extension (PostgreSQL 13+): the database
owner may create it. SQLite has neither; its (development-sized) search scans.
"""
from django.db import migrations

INDEX = "intent_title_upper_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON procurement_intent USING gin ((UPPER(title::text)) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other objects may use it.
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("procurement", "0002_admin_labels_and_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
