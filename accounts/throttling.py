"""
Limits of the accounts surface (seed 002 §7, contract §6).

`AccountsIPThrottle`: every accounts API request counts against one budget per
client IP (100 per 15 minutes in production, 1,000 in development;
ACCOUNTS_RATE_LIMIT). The accounts views check it before authentication, so
requests with bad tokens spend the budget too. The health probes are not limited.
"""
from django.conf import settings

from core.throttling import ClientIPThrottle


class AccountsIPThrottle(ClientIPThrottle):
    """002 §7: one budget per client IP shared by all the accounts API endpoints."""

    scope = "accounts"

    def get_rate(self):
        return settings.RATE_LIMITS.get(self.scope) or settings.ACCOUNTS_RATE_LIMIT or None
