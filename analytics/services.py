"""
Analytics writes: event batches and the per-day activity they imply.

Every write of activity goes through `_record_sightings`, which keeps
`DailyActive` and the three per-day count tables consistent in one
transaction:

1. insert the (day, install) rows that are new: one multi-row
   `INSERT ... ON CONFLICT DO NOTHING RETURNING`, so the rows this
   transaction really created are known even while other batches insert the
   same installs concurrently (the loser of a race gets nothing back);
2. move the rows that existed (another batch or a heartbeat came first) when
   this transaction holds an earlier sighting of them: the earlier
   `first_seen_at`, and for province and city each the place of the earlier
   event naming one (each place keeps the clientTs that named it,
   `province_seen_at` / `city_seen_at`, for later batches to compare with).
   A plain SELECT finds the rows that may move (stored values only ever move
   earlier, so a row no later than this batch's cannot); on PostgreSQL those
   are read again `FOR UPDATE`, in (day, install) order, and written with one
   `UPDATE ... FROM` a list; a moved place leaves its old count and joins the
   new one;
3. add what 1 and 2 changed to the counts with `INSERT ... ON CONFLICT DO
   UPDATE SET count = count + excluded.count`, an atomic increment, and move
   the `version` of every day that changed (see `analytics.selectors`).

LOCK ORDER. Every transaction that writes activity or counts takes its row
locks in this order, and nothing else in the code may take them otherwise:

    1. DailyActive rows (ingest and heartbeats only), sorted by (day, install);
    2. the day's DailyActiveCount row (the "total row"), days ascending;
    3. DailyProvinceCount rows, sorted by (day, province);
    4. DailyCityCount rows, sorted by (day, city).

`_record_sightings` (ingest, heartbeats) follows it, and so does
`counts_rebuild_day` (manage.py analytics_rebuild_counts), which takes the
total row first and never locks a DailyActive row. The total row is thereby
the lock of its day: whoever holds it is alone in changing that day's place
counts, and no two transactions can each hold a lock the other waits for.
(Deadlocks are still retried on PostgreSQL, as a safety net.)
"""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
import logging
import time

from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
import redis

from analytics.models import DailyActive, DailyActiveCount, DailyCityCount, DailyProvinceCount, Event
from core import metrics
from core.timeutil import utc_now

logger = logging.getLogger("analytics")

# Largest number of rows in one multi-row statement (parameters stay far below
# SQLite's 32,766 and PostgreSQL's 65,535).
_ROWS_PER_STATEMENT = 1000
_DEADLOCK_RETRIES = 3


def local_day(moment: datetime) -> date:
    """The calendar day of `moment` in the service TIME_ZONE (the day DAU counts it for)."""
    # The default zone, not the "current" one: DAU days belong to settings.TIME_ZONE
    # whatever a request activated, and the lookup skips a context-local read per event.
    return moment.astimezone(timezone.get_default_timezone()).date()


def _row_source(columns: list[tuple[str, str]], rows: list[tuple]) -> tuple[str, list]:
    """
    Rows for an INSERT or a WITH: `(sql, params)` with the columns named as given.

    On PostgreSQL, one `unnest` of one array per column (`columns` pairs a name with
    its SQL type): the statement text is the same whatever the row count, so psycopg
    parses it once and keeps it, where a VALUES list of 800 placeholders was parsed
    again on every batch. Elsewhere (SQLite) a VALUES list.
    """
    names = ", ".join(name for name, _type in columns)
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{sql_type}[]" for _name, sql_type in columns)
        return f"SELECT * FROM unnest({arrays}) AS source({names})", [list(values) for values in zip(*rows)]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return "VALUES " + ", ".join([placeholders] * len(rows)), [value for row in rows for value in row]


@dataclass(frozen=True)
class Sighting:
    """An install seen active at `seen_at`, with the location its event named ("" for none)."""

    install_id: str
    seen_at: datetime
    province: str = ""
    city: str = ""


@dataclass(frozen=True)
class ValidEvent:
    """An event that passed validation (`analytics.validation`), ready to store."""

    event_name: str
    install_id: str
    client_ts: datetime
    user_id: str | None = None
    event_id: str | None = None
    # The properties as the JSON text to store (compact, UTF-8; validation checked it
    # holds nothing a store would change), or None when the event had none.
    properties_json: str | None = None
    province: str = ""
    city: str = ""


@dataclass(frozen=True)
class IngestResult:
    stored: int
    duplicates: int


# --- heartbeats -------------------------------------------------------------------

def _guard_key(day: date, install_id: str) -> str:
    return f"analytics:active:{day.isoformat()}:{install_id}"


def _seconds_to_end_of_day(day: date) -> int:
    next_midnight = timezone.make_aware(datetime.combine(day + timedelta(days=1), datetime.min.time()))
    return max(60, int((next_midnight - utc_now()).total_seconds()) + 1)


def activity_mark_seen(*, install_id: str, seen_at: datetime) -> None:
    """
    Mark `install_id` active on the local day of `seen_at` (no location).

    Called by presence on every heartbeat, so the common case must cost no SQL:
    a cache `add` keyed by (day, install) with a lifetime up to the end of that
    day lets only the first call of the day through to the database, where an
    insert-if-absent (and, if new, the day's count) is written. If the cache is
    unreachable the write happens anyway (it is idempotent); if the write fails
    the guard is released so that the next heartbeat tries again, and the
    error propagates. Call it outside any transaction that may still roll
    back: the guard would outlive a rolled-back row until the day ends.
    """
    day = local_day(seen_at)
    key = _guard_key(day, install_id)
    try:
        first_today = cache.add(key, 1, timeout=_seconds_to_end_of_day(day))
    except redis.RedisError:
        logger.warning("analytics.activity_guard_unavailable", exc_info=True)
        metrics.dependency_failed("redis", "analytics")
        first_today = True
    if not first_today:
        return
    try:
        _record_sightings([Sighting(install_id=install_id, seen_at=seen_at)])
    except Exception:
        try:
            cache.delete(key)
        except redis.RedisError:
            pass
        raise


# --- event batches ----------------------------------------------------------------

def events_ingest(*, events: list[ValidEvent], received_at: datetime | None = None) -> IngestResult:
    """
    Store a batch's valid events and mark their installs active for their days.

    The events go in one multi-row insert that skips (install_id, event_id)
    pairs already stored; repeats inside the batch are dropped before it.
    `duplicates` counts the events with an eventId that were not stored
    because that pair was already there. Events and activity are written in
    one transaction. Both counts go to procure_analytics_events (outcomes
    "stored" and "duplicate"), and a batch whose write fails counts its events
    as "error".
    """
    received_at = received_at or utc_now()
    rows: list[ValidEvent] = []
    seen_pairs: set[tuple[str, str]] = set()
    in_batch_duplicates = 0
    for event in events:
        if event.event_id is not None:
            pair = (event.install_id, event.event_id)
            if pair in seen_pairs:
                in_batch_duplicates += 1
                continue
            seen_pairs.add(pair)
        rows.append(event)

    # In batch order: `_record_sightings` picks the earliest of each (day, install), and
    # among events of one clientTs the first in the batch.
    sightings = [Sighting(install_id=e.install_id, seen_at=e.client_ts, province=e.province, city=e.city)
                 for e in rows]

    # Rows are built before the transaction opens, so that it only runs statements.
    event_rows = _event_rows(rows, received_at)

    def write() -> int:
        stored = _insert_events(event_rows)
        _record_sightings(sightings)
        return stored

    try:
        stored = _with_deadlock_retry(write) if rows else 0
    except Exception:
        metrics.ANALYTICS_EVENTS.labels("error").inc(len(events))
        raise
    result = IngestResult(stored=stored, duplicates=in_batch_duplicates + (len(rows) - stored))
    metrics.ANALYTICS_EVENTS.labels("stored").inc(result.stored)
    metrics.ANALYTICS_EVENTS.labels("duplicate").inc(result.duplicates)
    return result


_EVENT_COLUMNS = [("event_name", "text"), ("install_id", "text"), ("user_id", "text"), ("event_id", "text"),
                  ("client_ts", "timestamptz"), ("received_at", "timestamptz"), ("day", "date"),
                  ("properties", "jsonb")]


def _event_rows(rows: list[ValidEvent], received_at: datetime) -> list[tuple]:
    """The Event rows to insert, as tuples in `_EVENT_COLUMNS` order, adapted for the database."""
    ops = connection.ops
    received = ops.adapt_datetimefield_value(received_at)
    return [
        (e.event_name, e.install_id, e.user_id, e.event_id, ops.adapt_datetimefield_value(e.client_ts),
         received, ops.adapt_datefield_value(local_day(e.client_ts)), e.properties_json)
        for e in rows
    ]


def _insert_events(rows: list[tuple]) -> int:
    """Multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING: how many rows were really stored."""
    table = connection.ops.quote_name(Event._meta.db_table)
    stored = 0
    for start in range(0, len(rows), _ROWS_PER_STATEMENT):
        source, params = _row_source(_EVENT_COLUMNS, rows[start:start + _ROWS_PER_STATEMENT])
        sql = (
            f"INSERT INTO {table} ({', '.join(name for name, _type in _EVENT_COLUMNS)}) {source} "
            "ON CONFLICT DO NOTHING RETURNING id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            stored += len(cursor.fetchall())
    return stored


# --- per-day activity -------------------------------------------------------------

def _with_deadlock_retry(work):
    """Run `work` in a transaction, again if PostgreSQL chose it as a deadlock victim."""
    for attempt in range(_DEADLOCK_RETRIES):
        try:
            with transaction.atomic():
                return work()
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) != "40P01" or attempt == _DEADLOCK_RETRIES - 1:
                raise
            logger.warning("analytics.deadlock_retried", extra={"attempt": attempt + 1})
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


@dataclass
class _Place:
    """A DailyActive row's activity values: what a batch proposes, or what is stored."""

    first_seen_at: datetime
    province: str = ""
    province_at: datetime | None = None  # when the event naming `province` happened
    city: str = ""
    city_at: datetime | None = None

    def merged(self, other: "_Place") -> "_Place":
        """
        The row once `other` is seen too: the earlier first sighting, and for province and
        city each, the one named by the earlier event (a tie keeps `self`'s, the one known first).
        """
        province, province_at = self.province, self.province_at
        if other.province and (not province or other.province_at < province_at):
            province, province_at = other.province, other.province_at
        city, city_at = self.city, self.city_at
        if other.city and (not city or other.city_at < city_at):
            city, city_at = other.city, other.city_at
        return _Place(min(self.first_seen_at, other.first_seen_at), province, province_at, city, city_at)


def _record_sightings(sightings: list[Sighting]) -> None:
    """
    Bring DailyActive and the day counts up to date with `sightings`.

    Each (day, install) keeps its earliest sighting and, for province and city each, the
    place named by its earliest event (by clientTs) that names one, whatever order the
    sightings arrive in; a place that moves leaves its old count and joins the new one in
    the same transaction.
    """
    candidates: dict[tuple[date, str], _Place] = {}
    # Sorted by time (stable: equal times keep batch order), so that merging in order
    # gives the earliest sighting and the earliest place of each (day, install).
    for s in sorted(sightings, key=lambda s: s.seen_at):
        key = (local_day(s.seen_at), s.install_id)
        seen = _Place(s.seen_at, s.province, s.seen_at if s.province else None, s.city, s.seen_at if s.city else None)
        row = candidates.get(key)
        candidates[key] = seen if row is None else row.merged(seen)
    if not candidates:
        return

    def write() -> None:
        inserted = _insert_actives(candidates)
        totals: Counter = Counter()
        provinces: Counter = Counter()
        cities: Counter = Counter()
        for key in inserted:
            day, row = key[0], candidates[key]
            totals[day] += 1
            if row.province:
                provinces[(day, row.province)] += 1
            if row.city:
                cities[(day, row.city)] += 1
        # Rows that existed: an earlier sighting or place in this batch moves them.
        for (day, _install), old, new in _move_actives({k: v for k, v in candidates.items() if k not in inserted}):
            if old.province != new.province:
                if old.province:
                    provinces[(day, old.province)] -= 1
                provinces[(day, new.province)] += 1
            if old.city != new.city:
                if old.city:
                    cities[(day, old.city)] -= 1
                cities[(day, new.city)] += 1
        provinces = Counter({k: n for k, n in provinces.items() if n})
        cities = Counter({k: n for k, n in cities.items() if n})
        # Every day whose counts changed gets its version moved (a +0 total for a
        # day where only places moved), which retires the cached DAU maps of that day.
        changed_days = set(totals) | {day for day, _ in provinces} | {day for day, _ in cities}
        # The count rows are the ones every batch of a day updates: their row locks serialize
        # concurrent batches from the first upsert to the COMMIT, so the three upserts go to
        # the server in one round trip. Total rows first: the lock order in the module docstring.
        with _one_round_trip():
            _increment(DailyActiveCount, ["day"], {(day,): totals.get(day, 0) for day in changed_days},
                       bump_version=True)
            _increment(DailyProvinceCount, ["day", "province"], provinces)
            _increment(DailyCityCount, ["day", "city"], cities)

    if connection.in_atomic_block:
        write()  # part of the caller's transaction (events_ingest retries as a whole)
    else:
        _with_deadlock_retry(write)


@contextmanager
def _one_round_trip():
    """
    On PostgreSQL, the statements executed inside are sent together (psycopg's pipeline
    mode) and their results read at the end; errors still arrive as Django's database
    errors. Only for statements whose results are not read inside. Elsewhere, a no-op.
    """
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


_ACTIVE_COLUMNS = [("day", "date"), ("install_id", "text"), ("first_seen_at", "timestamptz"),
                   ("province", "text"), ("province_seen_at", "timestamptz"), ("city", "text"),
                   ("city_seen_at", "timestamptz")]


def _active_row(key: tuple[date, str], row: _Place) -> tuple:
    """A DailyActive row in `_ACTIVE_COLUMNS` order, adapted for the database."""
    adapt = connection.ops.adapt_datetimefield_value
    return (connection.ops.adapt_datefield_value(key[0]), key[1], adapt(row.first_seen_at),
            row.province, adapt(row.province_at), row.city, adapt(row.city_at))


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _as_datetime(value) -> datetime | None:
    """A datetime column read by raw SQL: aware already (PostgreSQL), or UTC text (SQLite)."""
    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    moment = value if isinstance(value, datetime) else parse_datetime(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _insert_actives(candidates: dict[tuple[date, str], _Place]) -> set[tuple[date, str]]:
    """Insert the absent (day, install) rows; return the keys this statement created."""
    table = connection.ops.quote_name(DailyActive._meta.db_table)
    names = ", ".join(name for name, _type in _ACTIVE_COLUMNS)
    keys = sorted(candidates)
    created: set[tuple[date, str]] = set()
    for start in range(0, len(keys), _ROWS_PER_STATEMENT):
        chunk = [_active_row(key, candidates[key]) for key in keys[start:start + _ROWS_PER_STATEMENT]]
        source, params = _row_source(_ACTIVE_COLUMNS, chunk)
        sql = (
            f"INSERT INTO {table} ({names}) {source} "
            "ON CONFLICT (day, install_id) DO NOTHING RETURNING day, install_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for day, install_id in cursor.fetchall():
                created.add((_as_date(day), install_id))
    return created


def _read_actives(keys: list[tuple[date, str]], *, lock: bool) -> dict[tuple[date, str], _Place]:
    """
    The stored values of the DailyActive rows `keys` (sorted), in one SELECT per chunk;
    with `lock` (PostgreSQL), `FOR UPDATE` in (day, install) order: the lock order.
    A place without its time (a row from before the column, or loaded in SQL) counts
    as named at the row's first sighting.
    """
    table = connection.ops.quote_name(DailyActive._meta.db_table)
    stored: dict[tuple[date, str], _Place] = {}
    for start in range(0, len(keys), _ROWS_PER_STATEMENT):
        chunk = [(connection.ops.adapt_datefield_value(day), install_id)
                 for day, install_id in keys[start:start + _ROWS_PER_STATEMENT]]
        source, params = _row_source([("day", "date"), ("install_id", "text")], chunk)
        sql = (
            f"WITH wanted(day, install_id) AS ({source}) "
            f"SELECT a.day, a.install_id, a.first_seen_at, a.province, a.province_seen_at, a.city, a.city_seen_at "
            f"FROM {table} a JOIN wanted ON a.day = wanted.day AND a.install_id = wanted.install_id"
            + (" ORDER BY a.day, a.install_id FOR UPDATE OF a" if lock else "")
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for day, install_id, first, province, province_at, city, city_at in cursor.fetchall():
                first = _as_datetime(first)
                stored[(_as_date(day), install_id)] = _Place(
                    first, province, (_as_datetime(province_at) or first) if province else None,
                    city, (_as_datetime(city_at) or first) if city else None)
    return stored


def _move_actives(candidates: dict[tuple[date, str], _Place]) -> list[tuple[tuple[date, str], _Place, _Place]]:
    """
    Merge `candidates` into their existing DailyActive rows; return (key, old, new) for
    every row whose province or city changed (rows whose first sighting alone moved are
    written too, but change no count).

    The stored values only ever move earlier (or from no place to one), so a row whose
    candidate is no earlier than what a plain read shows cannot change whatever other
    transactions are doing: a batch of installs already known costs one SELECT. The rows
    that may change are read again under `FOR UPDATE` on PostgreSQL (a concurrent batch
    may have moved them since; it holds the lock until it commits), so old and new are
    exact when the counts move. SQLite needs no lock: the transaction holds the database's
    write lock from BEGIN (transaction_mode IMMEDIATE).
    """
    if not candidates:
        return []
    keys = sorted(candidates)
    stored = _read_actives(keys, lock=False)
    keys = [key for key in keys if key in stored and stored[key].merged(candidates[key]) != stored[key]]
    if not keys:
        return []
    if connection.vendor == "postgresql":
        stored = _read_actives(keys, lock=True)
    writes = []
    for key in keys:
        if key not in stored:
            continue  # deleted meanwhile (nothing in the service deletes them)
        new = stored[key].merged(candidates[key])
        if new != stored[key]:
            writes.append((key, stored[key], new))
    table = connection.ops.quote_name(DailyActive._meta.db_table)
    set_list = ", ".join(f"{name} = moved.{name}" for name, _type in _ACTIVE_COLUMNS[2:])
    for start in range(0, len(writes), _ROWS_PER_STATEMENT):
        chunk = [_active_row(key, new) for key, _old, new in writes[start:start + _ROWS_PER_STATEMENT]]
        source, params = _row_source(_ACTIVE_COLUMNS, chunk)
        names = ", ".join(name for name, _type in _ACTIVE_COLUMNS)
        sql = (
            f"WITH moved({names}) AS ({source}) "
            f"UPDATE {table} SET {set_list} FROM moved "
            f"WHERE {table}.day = moved.day AND {table}.install_id = moved.install_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    return [(key, old, new) for key, old, new in writes
            if (old.province, old.city) != (new.province, new.city)]


def _increment(model, key_columns: list[str], deltas: dict[tuple, int], *, bump_version: bool = False) -> None:
    """
    Atomically add `deltas` to `model.count`, creating rows as needed (sorted, chunked);
    with `bump_version`, also add 1 to the row's `version`. Negative deltas (a place an
    install left) are subtracted by an UPDATE of the existing rows instead: the
    proposed row of an upsert must pass `count >= 0` even when it only updates.
    """
    if not deltas:
        return
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    columns = ", ".join(key_columns)
    # Key columns are the day and, for the place tables, a name; the rest are counters.
    types = [(key_columns[0], "date"), *((name, "text") for name in key_columns[1:]), ("count", "bigint")]
    if bump_version:
        types.append(("version", "bigint"))
    items = sorted((key, delta) for key, delta in deltas.items() if delta >= 0)
    decrements = sorted((key, delta) for key, delta in deltas.items() if delta < 0)
    # The place tables' rows of a day are only changed by whoever holds the day's total row
    # (the lock order), so taking their locks in two sorted passes cannot deadlock.
    for start in range(0, len(decrements), _ROWS_PER_STATEMENT):
        chunk = [(ops.adapt_datefield_value(day), *rest, delta)
                 for (day, *rest), delta in decrements[start:start + _ROWS_PER_STATEMENT]]
        source, params = _row_source(types[:len(key_columns) + 1], chunk)
        match = " AND ".join(f"{table}.{name} = moved.{name}" for name in key_columns)
        sql = (f"WITH moved({columns}, count) AS ({source}) "
               f"UPDATE {table} SET count = {table}.count + moved.count FROM moved WHERE {match}")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    for start in range(0, len(items), _ROWS_PER_STATEMENT):
        chunk = [
            (ops.adapt_datefield_value(day), *rest, delta, *([1] if bump_version else []))
            for (day, *rest), delta in items[start:start + _ROWS_PER_STATEMENT]
        ]
        source, params = _row_source(types, chunk)
        sql = (
            f"INSERT INTO {table} ({columns}, count{', version' if bump_version else ''}) {source} "
            f"ON CONFLICT ({columns}) DO UPDATE SET count = {table}.count + excluded.count"
            + (f", version = {table}.version + 1" if bump_version else "")
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


# --- rebuilding counts ------------------------------------------------------------

@dataclass(frozen=True)
class DayCounts:
    """One day's counts: the total, and the non-zero counts per province and per city."""

    total: int
    provinces: dict[str, int]
    cities: dict[str, int]


def counts_rebuild_day(day: date, *, dry_run: bool = False) -> tuple[DayCounts, DayCounts] | None:
    """
    Recompute `day`'s three count tables from its DailyActive rows, in one
    transaction; return (old, new) when they differed (and, unless `dry_run`,
    were replaced), None when they were right.

    Safe while batches are ingested: the day's total row is locked first (the
    lock order in the module docstring), after making sure it exists, so an
    ingest of the day that has not reached its counts yet waits and then adds
    its own rows on top of the rebuilt ones; one that already has, holds the row
    and the rebuild waits for it, then counts its rows.
    """
    table = connection.ops.quote_name(DailyActiveCount._meta.db_table)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # A fresh day has no total row to lock: create it (count 0) inside this transaction,
            # or wait for the ingest creating it. Either way the lock is ours before any count.
            cursor.execute(f"INSERT INTO {table} (day, count, version) VALUES (%s, 0, 0) ON CONFLICT (day) DO NOTHING",
                           [connection.ops.adapt_datefield_value(day)])
        total_row = DailyActiveCount.objects.select_for_update().get(day=day)
        actives = DailyActive.objects.filter(day=day)
        new = DayCounts(
            total=actives.count(),
            provinces=dict(actives.exclude(province="").values("province").annotate(n=Count("id"))
                           .values_list("province", "n")),
            cities=dict(actives.exclude(city="").values("city").annotate(n=Count("id")).values_list("city", "n")),
        )
        old = DayCounts(
            total=total_row.count,
            provinces=dict(DailyProvinceCount.objects.filter(day=day, count__gt=0).values_list("province", "count")),
            cities=dict(DailyCityCount.objects.filter(day=day, count__gt=0).values_list("city", "count")),
        )
        if old == new or dry_run:
            # Nothing to write: undo the total row this transaction may have created above.
            transaction.set_rollback(True)
            return None if old == new else (old, new)
        DailyActiveCount.objects.filter(pk=total_row.pk).update(count=new.total, version=F("version") + 1)
        DailyProvinceCount.objects.filter(day=day).delete()
        DailyProvinceCount.objects.bulk_create(
            [DailyProvinceCount(day=day, province=name, count=n) for name, n in sorted(new.provinces.items())],
            batch_size=_ROWS_PER_STATEMENT)
        DailyCityCount.objects.filter(day=day).delete()
        DailyCityCount.objects.bulk_create(
            [DailyCityCount(day=day, city=name, count=n) for name, n in sorted(new.cities.items())],
            batch_size=_ROWS_PER_STATEMENT)
        return old, new
