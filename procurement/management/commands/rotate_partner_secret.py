"""manage.py rotate_partner_secret <app_id> [--grace-hours 24]"""
from datetime import timedelta
import getpass

from django.core.management.base import BaseCommand, CommandError

from procurement import services
from procurement.models import PartnerApp


class Command(BaseCommand):
    help = "Give an app a new secret and print it once; the old one keeps verifying for the grace period."

    def add_arguments(self, parser):
        parser.add_argument("app_id")
        parser.add_argument("--grace-hours", type=float, default=None,
                            help="hours the old secret still verifies (default PARTNER_SECRET_ROTATION_GRACE_HOURS; 0 = revoke now)")

    def handle(self, *args, app_id, grace_hours, **options):
        app = PartnerApp.objects.filter(app_id=app_id).first()
        if app is None:
            raise CommandError(f"No app {app_id}")
        if grace_hours is not None and grace_hours < 0:
            raise CommandError("--grace-hours must not be negative")
        grace = None if grace_hours is None else timedelta(hours=grace_hours)
        secret = services.partner_app_rotate_secret(app=app, grace=grace, actor=f"manage.py:{getpass.getuser()}")
        app.refresh_from_db()
        self.stdout.write(f"App ID:         {app.app_id}")
        self.stdout.write(f"New secret:     {secret}")
        expiry = app.previous_secret_expires_at.isoformat() if app.previous_secret_expires_at else "revoked now"
        self.stdout.write(f"Old secret until: {expiry}")
