"""
The time each daily-active row's province and city were named (their event's clientTs),
so that a late batch holding an earlier event can move the place (contract §8).

Backfill: rows that have a place get `first_seen_at`, the earliest time known for the
row (the event that named the place cannot have been earlier). The exact clientTs is not
kept anywhere but in the raw event log, which this migration does not scan (it can hold
billions of rows); at worst an event sent between `first_seen_at` and the true time of
an old row's place does not move it. Rows without a place keep NULL.
"""
from django.db import migrations, models
from django.db.models import F


def backfill(apps, schema_editor):
    DailyActive = apps.get_model("analytics", "DailyActive")
    rows = DailyActive.objects.using(schema_editor.connection.alias)
    rows.exclude(province="").filter(province_seen_at__isnull=True).update(province_seen_at=F("first_seen_at"))
    rows.exclude(city="").filter(city_seen_at__isnull=True).update(city_seen_at=F("first_seen_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0004_admin_lookup_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='dailyactive',
            name='province_seen_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='dailyactive',
            name='city_seen_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
