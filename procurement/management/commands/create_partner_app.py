"""manage.py create_partner_app --name "Acme" [--app-id dev_app_local] [--qps 100] [--ip 10.0.0.0/8 ...]"""
import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from procurement import services
from procurement.models import PartnerApp


class Command(BaseCommand):
    help = "Create a partner app and print its App ID and secret (the secret is shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="a name operators recognise")
        parser.add_argument("--app-id", help="the App ID partners send as X-App-Id (default: app_<16 hex>)")
        parser.add_argument("--qps", type=int, help="requests per second allowed (default PARTNER_DEFAULT_QPS, 100)")
        parser.add_argument("--ip", action="append", default=[], help="whitelisted IP or CIDR (repeatable; none = any)")
        parser.add_argument("--inactive", action="store_true", help="create the app disabled (403/40302)")
        parser.add_argument("--shell", action="store_true", help="print export lines for APP_ID and APP_SECRET")

    def handle(self, *args, **options):
        if options["app_id"] and PartnerApp.objects.filter(app_id=options["app_id"]).exists():
            raise CommandError(f"App ID {options['app_id']} already exists")
        if options["qps"] is not None and options["qps"] < 1:
            raise CommandError("--qps must be at least 1")
        try:
            app, secret = services.partner_app_create(
                name=options["name"], app_id=options["app_id"], ip_whitelist=" ".join(options["ip"]),
                qps_limit=options["qps"], is_active=not options["inactive"], actor=f"manage.py:{getpass.getuser()}",
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages))
        if options["shell"]:
            self.stdout.write(f"export APP_ID={app.app_id}\nexport APP_SECRET={secret}")
            return
        self.stdout.write(f"App ID:     {app.app_id}")
        self.stdout.write(f"App secret: {secret}")
        self.stdout.write(f"QPS limit:  {app.qps_limit}; whitelist: {', '.join(app.ip_whitelist_entries) or 'any IP'}")
        self.stderr.write("Store the secret now: it is kept encrypted and never shown again (rotate it to get a new one).")
