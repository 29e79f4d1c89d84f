"""
Seed 003 §6 limits, per user, on core's sliding-window limiter.

Rates come from settings.RATE_LIMITS (PRESENCE_*_RATE in the environment); the
class rates are the seed's, used when settings name none.
"""
from core.throttling import UserThrottle


class HeartbeatThrottle(UserThrottle):
    """60 heartbeats a minute per user: a well-behaved client sends one."""

    scope = "presence_heartbeat"
    rate = "60/m"


class OnlineCountThrottle(UserThrottle):
    """120 online-count reads a minute per user."""

    scope = "presence_online_count"
    rate = "120/m"


class OnlineHistoryThrottle(UserThrottle):
    """30 history reads a minute per user: each may read a month of snapshots."""

    scope = "presence_online_history"
    rate = "30/m"
