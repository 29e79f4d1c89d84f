"""
Recompute the per-day DAU counts from the daily-active rows.

    python manage.py analytics_rebuild_counts                      # every day that has actives
    python manage.py analytics_rebuild_counts --start 2026-01-01 --end 2026-03-31
    python manage.py analytics_rebuild_counts --dry-run            # report differences only

The counts are normally kept by the ingest itself; this command is for data
that reached `analytics_dailyactive` another way (a restore, a bulk load, a
hand edit in SQL). Each day is rebuilt in its own transaction by
`analytics.services.counts_rebuild_day`, which takes the locks in the order
every ingest takes them: it is safe while the service runs.
"""
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max, Min

from analytics.models import DailyActive
from analytics.services import counts_rebuild_day


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"not a YYYY-MM-DD date: {text!r}") from None


class Command(BaseCommand):
    help = "Recompute DailyActiveCount / DailyProvinceCount / DailyCityCount from DailyActive, day by day."

    def add_arguments(self, parser):
        parser.add_argument("--start", help="first day (YYYY-MM-DD); default: the earliest day with actives")
        parser.add_argument("--end", help="last day (YYYY-MM-DD); default: the latest day with actives")
        parser.add_argument("--dry-run", action="store_true", help="compare and report, change nothing")

    def handle(self, *args, start, end, dry_run, **options):
        bounds = DailyActive.objects.aggregate(first=Min("day"), last=Max("day"))
        start = _date(start) if start else bounds["first"]
        end = _date(end) if end else bounds["last"]
        if start is None or end is None:
            self.stdout.write("no daily actives: nothing to rebuild")
            return
        if start > end:
            raise CommandError("--start is after --end")

        changed = 0
        day = start
        while day <= end:
            difference = counts_rebuild_day(day, dry_run=dry_run)
            if difference is not None:
                old, new = difference
                changed += 1
                self.stdout.write(f"{day}: total {old.total} -> {new.total}, {len(old.provinces)} -> "
                                  f"{len(new.provinces)} provinces, {len(old.cities)} -> {len(new.cities)} cities")
            day += timedelta(days=1)
        verb = "would change" if dry_run else "changed"
        days = (end - start).days + 1
        self.stdout.write(self.style.SUCCESS(f"done: {days} days checked from {start} to {end}, {verb} {changed}"))
