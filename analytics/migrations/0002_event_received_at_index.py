"""
The received-time index of the raw event log.

PostgreSQL gets a BRIN index: events arrive in received_at order, so each
block range of the heap covers a narrow time span and a BRIN index of a few
hundred kilobytes serves range scans (retention, admin day filter) over
billions of rows, with almost no write cost. SQLite has no BRIN and gets a
plain B-tree index. See docs/analytics.md ("How the storage scales").
"""
from django.db import migrations

INDEX = "analytics_event_received_at_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON analytics_event USING brin (received_at) "
            "WITH (pages_per_range = 32)"
        )
    else:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON analytics_event (received_at)")


def drop_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
