"""
manage.py sign_request --app <app_id> --method POST --path /api/v1/intents --body '{...}'

Prints the three signature headers and a ready curl line (seed 001's
"generate-signature" tool). The secret is read (decrypted) from the database,
or given with --secret to sign for an app of another installation.
"""
import shlex

from django.core.management.base import BaseCommand, CommandError

from core.signing import signed_headers
from procurement.models import PartnerApp
from procurement.selectors import partner_app_secret


class Command(BaseCommand):
    help = "Sign a partner request: prints X-App-Id, X-Timestamp, X-Signature and a curl command."

    def add_arguments(self, parser):
        parser.add_argument("--app", required=True, help="App ID")
        parser.add_argument("--method", default="GET")
        parser.add_argument("--path", required=True,
                            help="request target exactly as sent, query included: /api/v1/intents?page=1")
        parser.add_argument("--body", default="", help="the exact JSON body to send ('' for GET/DELETE)")
        parser.add_argument("--secret", help="sign with this secret instead of the stored one")
        parser.add_argument("--timestamp", help="unix ms (default: now); the server accepts ±300 s")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument("--curl-only", action="store_true", help="print only the curl line")

    def handle(self, *args, **options):
        method = options["method"].upper()
        path = options["path"]
        if not path.startswith("/"):
            raise CommandError("--path must start with / (the request target, e.g. /api/v1/intents?page=1)")
        secret = options["secret"]
        if not secret:
            if not PartnerApp.objects.filter(app_id=options["app"]).exists():
                raise CommandError(f"No app {options['app']} (or pass --secret)")
            secret = partner_app_secret(app_id=options["app"])
        body = options["body"]
        headers = signed_headers(options["app"], secret, method, path, body.encode("utf-8"), options["timestamp"])
        parts = ["curl", "-sS", "-i", "-g", "-X", method, shlex.quote(options["base_url"].rstrip("/") + path)]
        for name, value in headers.items():
            parts += ["-H", shlex.quote(f"{name}: {value}")]
        if body:
            parts += ["--data-binary", shlex.quote(body)]
        curl = " ".join(parts)
        if options["curl_only"]:
            self.stdout.write(curl)
            return
        for name, value in headers.items():
            self.stdout.write(f"{name}: {value}")
        self.stdout.write("")
        self.stdout.write(curl)
