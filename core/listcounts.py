"""
Remembered list totals, exact across writes.

A list page costs a COUNT over every matching row (tens of thousands for a busy
partner), more than fetching the page itself. Totals are kept in the shared
cache under the list's *scope* (e.g. one partner's intents) and the filters
that produced them, stamped with the scope's generation; every write to the
scope moves the generation (`list_changed`), so a total is reused only while
nothing in its scope changed. Writes that bypass the services (SQL, a restore)
are covered by a short expiry.

Only with Redis: a per-process cache could not see other processes' writes,
so without it every page counts.
"""
from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger("core.listcounts")

TOTAL_TTL_SECONDS = 30


def _generation_key(scope: str) -> str:
    return f"listgen:{scope}"


def _enabled() -> bool:
    return bool(settings.REDIS_URL)


def cached_total(scope: str | None, filters: list[tuple[str, str]], count) -> int:
    """The total for `filters` in `scope`: remembered when nothing changed since, else `count()`."""
    if scope is None or not _enabled():
        return count()
    digest = hashlib.sha1(repr(sorted(filters)).encode()).hexdigest()
    generation_key, total_key = _generation_key(scope), f"listtotal:{scope}:{digest}"
    try:
        found = cache.get_many([generation_key, total_key])
    except Exception as exc:  # the cache is down: count, as without one
        logger.warning("listcounts.cache_unavailable", extra={"error": type(exc).__name__})
        return count()
    generation = found.get(generation_key, 0)
    remembered = found.get(total_key)
    if remembered is not None and remembered[0] == generation:
        return remembered[1]
    total = count()
    try:
        cache.set(total_key, (generation, total), TOTAL_TTL_SECONDS)
    except Exception:
        pass
    return total


def list_changed(scope: str) -> None:
    """Retire every remembered total of `scope` (call on each write; runs after commit)."""
    if not _enabled():
        return

    def bump():
        key = _generation_key(scope)
        try:
            try:
                cache.incr(key)
            except ValueError:  # no generation yet
                cache.add(key, 0, None)
                cache.incr(key)
        except Exception as exc:
            # Totals then stay stale for at most TOTAL_TTL_SECONDS.
            logger.warning("listcounts.bump_failed", extra={"scope": scope, "error": type(exc).__name__})

    transaction.on_commit(bump)
