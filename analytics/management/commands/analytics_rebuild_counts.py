"""
Recompute the per-day DAU counts from the daily-active rows.

    python manage.py analytics_rebuild_counts                      # every day that has actives
    python manage.py analytics_rebuild_counts --start 2026-01-01 --end 2026-03-31
    python manage.py analytics_rebuild_counts --dry-run            # report differences only

The counts are normally kept by the ingest itself; this command is for data
that reached `analytics_dailyactive` another way (a restore, a bulk load, a
hand edit in SQL). Each day is rebuilt in its own transaction, which first
locks the day's total row: an ingest that touches the same day waits for it
and then adds its own rows on top, so it is safe while the service runs.
"""
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, F, Max, Min

from analytics.models import DailyActive, DailyActiveCount, DailyCityCount, DailyProvinceCount


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
            with transaction.atomic():
                if self._rebuild_day(day, dry_run=dry_run):
                    changed += 1
            day += timedelta(days=1)
        verb = "would change" if dry_run else "changed"
        days = (end - start).days + 1
        self.stdout.write(self.style.SUCCESS(f"done: {days} days checked from {start} to {end}, {verb} {changed}"))

    def _rebuild_day(self, day: date, *, dry_run: bool) -> bool:
        # Lock first: concurrent ingests of this day queue behind the rebuild.
        total_row = DailyActiveCount.objects.select_for_update().filter(day=day).first()
        actives = DailyActive.objects.filter(day=day)
        total = actives.count()
        provinces = dict(actives.exclude(province="").values("province").annotate(n=Count("id")).values_list("province", "n"))
        cities = dict(actives.exclude(city="").values("city").annotate(n=Count("id")).values_list("city", "n"))
        old_total = total_row.count if total_row else 0
        old_provinces = dict(DailyProvinceCount.objects.filter(day=day, count__gt=0).values_list("province", "count"))
        old_cities = dict(DailyCityCount.objects.filter(day=day, count__gt=0).values_list("city", "count"))
        if (old_total, old_provinces, old_cities) == (total, provinces, cities):
            return False
        self.stdout.write(f"{day}: total {old_total} -> {total}, {len(old_provinces)} -> {len(provinces)} provinces, "
                          f"{len(old_cities)} -> {len(cities)} cities")
        if dry_run:
            return True
        if total_row is None:
            DailyActiveCount.objects.create(day=day, count=total, version=1)
        else:
            DailyActiveCount.objects.filter(pk=total_row.pk).update(count=total, version=F("version") + 1)
        DailyProvinceCount.objects.filter(day=day).delete()
        DailyProvinceCount.objects.bulk_create(
            [DailyProvinceCount(day=day, province=name, count=n) for name, n in sorted(provinces.items())])
        DailyCityCount.objects.filter(day=day).delete()
        DailyCityCount.objects.bulk_create(
            [DailyCityCount(day=day, city=name, count=n) for name, n in sorted(cities.items())], batch_size=1000)
        return True
