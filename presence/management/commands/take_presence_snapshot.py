"""manage.py take_presence_snapshot: take this minute's online-count snapshot now (or report the one taken)."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from core.timeutil import isoformat_z
from presence.services import snapshot_take
from presence.stores import StoreUnavailable


class Command(BaseCommand):
    help = "Take the presence snapshot of the current minute unless another process already has."

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            help="an ISO 8601 instant standing for 'now' (its minute is snapshotted with the count at that instant)",
        )

    def handle(self, *args, at=None, **options):
        now = None
        if at:
            now = parse_datetime(at)
            if now is None or now.tzinfo is None:
                raise CommandError("--at must be an ISO 8601 instant with an offset, e.g. 2026-01-01T12:00:30Z")
        try:
            snapshot, created = snapshot_take(now=now)
        except StoreUnavailable as exc:
            raise CommandError(f"presence store unavailable: {exc}") from exc
        verb = "taken" if created else "already taken"
        self.stdout.write(f"{verb}: {isoformat_z(snapshot.minute)} count={snapshot.count} window={snapshot.window_seconds}s")
