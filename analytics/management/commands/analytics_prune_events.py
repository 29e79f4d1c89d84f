"""
Delete raw analytics events older than a retention period, in batches.

    python manage.py analytics_prune_events                 # ANALYTICS_EVENT_RETENTION_DAYS (180)
    python manage.py analytics_prune_events --days 90 --batch-size 20000
    python manage.py analytics_prune_events --days 90 --dry-run

Age is judged by received_at (server time), so a client with a wrong clock
cannot keep rows alive or get them deleted early. Each batch is its own short
transaction (select the oldest ids, delete them), so the command never holds
long locks and can be stopped and re-run at any time. DAU is not affected:
it lives in the per-day tables, which this command never touches.
"""
from datetime import timedelta
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from analytics.models import Event
from core.timeutil import isoformat_z, utc_now


class Command(BaseCommand):
    help = "Delete raw analytics events received more than --days days ago, in batches."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None,
            help="keep events received within this many days (default: ANALYTICS_EVENT_RETENTION_DAYS, "
                 f"now {settings.ANALYTICS_EVENT_RETENTION_DAYS}); at least 1",
        )
        parser.add_argument("--batch-size", type=int, default=10_000,
                            help="rows deleted per transaction (1-100000, default 10000)")
        parser.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")
        parser.add_argument("--max-batches", type=int, default=None,
                            help="stop after this many batches (spread a large backlog over several runs)")

    def handle(self, *args, days, batch_size, dry_run, max_batches, **options):
        days = settings.ANALYTICS_EVENT_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("--days must be at least 1")
        if not 1 <= batch_size <= 100_000:
            raise CommandError("--batch-size must be between 1 and 100000")
        if max_batches is not None and max_batches < 1:
            raise CommandError("--max-batches must be at least 1")
        if settings.ANALYTICS_MAX_EVENT_AGE_DAYS >= days:
            self.stderr.write(self.style.WARNING(
                f"warning: --days {days} is within the {settings.ANALYTICS_MAX_EVENT_AGE_DAYS} days "
                "for which late events are still accepted; their duplicates could be stored again."))

        cutoff = utc_now() - timedelta(days=days)
        old = Event.objects.filter(received_at__lt=cutoff)
        self.stdout.write(f"cutoff: events received before {isoformat_z(cutoff)} ({days} days)")
        if dry_run:
            self.stdout.write(f"dry run: {old.count()} events would be deleted")
            return

        started = time.monotonic()
        deleted = batches = 0
        while max_batches is None or batches < max_batches:
            with transaction.atomic():
                ids = list(old.order_by("id").values_list("id", flat=True)[:batch_size])
                if not ids:
                    break
                count, _ = Event.objects.filter(id__in=ids).delete()
            deleted += count
            batches += 1
            self.stdout.write(f"batch {batches}: deleted {count} (total {deleted})")
        elapsed = time.monotonic() - started
        remaining = " (stopped at --max-batches; more remain)" if max_batches and batches == max_batches and old.exists() else ""
        self.stdout.write(self.style.SUCCESS(
            f"done: deleted {deleted} events in {batches} batches, {elapsed:.1f} s{remaining}"))
