"""manage.py reencrypt_partner_secrets: move stored secrets to the first SIGNING_ENCRYPTION_KEY."""
from django.core.management.base import BaseCommand

from procurement import services


class Command(BaseCommand):
    help = ("Re-encrypt every partner secret under the first key of SIGNING_ENCRYPTION_KEY "
            "(set 'new,old', run this, then drop 'old').")

    def handle(self, *args, **options):
        self.stdout.write(f"Re-encrypted {services.partner_apps_reencrypt()} app(s).")
