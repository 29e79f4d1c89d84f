"""
Analytics writes: event batches and the per-day activity they imply.

Every write of activity goes through `_record_sightings`, which keeps
`DailyActive` and the three per-day count tables consistent in one
transaction:

1. insert the (day, install) rows that are new: one multi-row
   `INSERT ... ON CONFLICT DO NOTHING RETURNING`, so the rows this
   transaction really created are known even while other batches insert the
   same installs concurrently (the loser of a race gets nothing back);
2. fill the province/city of rows that existed without one (a heartbeat came
   first): `UPDATE ... WHERE province = ''`, grouped per (day, value), whose
   row count says how many this transaction moved (a concurrent filler waits
   for the row lock, re-checks `province = ''` and updates nothing);
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

from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
import logging
import time

from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.db.models import Count, F
from django.utils import timezone
import redis

from analytics.models import DailyActive, DailyActiveCount, DailyCityCount, DailyProvinceCount, Event
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
    one transaction.
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

    # The first event of the day that names a location decides it: order by client time.
    sightings = [
        Sighting(install_id=e.install_id, seen_at=e.client_ts, province=e.province, city=e.city)
        for e in sorted(rows, key=lambda e: e.client_ts)
    ]

    # Rows are built before the transaction opens, so that it only runs statements.
    event_rows = _event_rows(rows, received_at)

    def write() -> int:
        stored = _insert_events(event_rows)
        _record_sightings(sightings)
        return stored

    stored = _with_deadlock_retry(write) if rows else 0
    return IngestResult(stored=stored, duplicates=in_batch_duplicates + (len(rows) - stored))


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


def _record_sightings(sightings: list[Sighting]) -> None:
    """Bring DailyActive and the day counts up to date with `sightings` (ordered by seen_at)."""
    # One candidate per (day, install): its first sighting's time, and the first
    # province and first city named that day (each on its own).
    candidates: dict[tuple[date, str], dict] = {}
    for s in sightings:
        key = (local_day(s.seen_at), s.install_id)
        row = candidates.get(key)
        if row is None:
            candidates[key] = {"seen_at": s.seen_at, "province": s.province, "city": s.city}
            continue
        row["province"] = row["province"] or s.province
        row["city"] = row["city"] or s.city
    if not candidates:
        return

    def write() -> None:
        inserted = _insert_actives(candidates)
        totals: Counter = Counter()
        provinces: Counter = Counter()
        cities: Counter = Counter()
        province_fills: dict[tuple[date, str], list[str]] = defaultdict(list)
        city_fills: dict[tuple[date, str], list[str]] = defaultdict(list)
        for (day, install_id), row in candidates.items():
            if (day, install_id) in inserted:
                totals[day] += 1
                if row["province"]:
                    provinces[(day, row["province"])] += 1
                if row["city"]:
                    cities[(day, row["city"])] += 1
            else:
                if row["province"]:
                    province_fills[(day, row["province"])].append(install_id)
                if row["city"]:
                    city_fills[(day, row["city"])].append(install_id)
        # Rows that existed without a location take the first one named: only
        # the rows this UPDATE really changed move into the counts.
        for (day, province) in _fill_places("province", province_fills):
            provinces[(day, province)] += 1
        for (day, city) in _fill_places("city", city_fills):
            cities[(day, city)] += 1
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


def _insert_actives(candidates: dict[tuple[date, str], dict]) -> set[tuple[date, str]]:
    """Insert the absent (day, install) rows; return the keys this statement created."""
    ops = connection.ops
    table = ops.quote_name(DailyActive._meta.db_table)
    columns = [("day", "date"), ("install_id", "text"), ("province", "text"), ("city", "text"),
               ("first_seen_at", "timestamptz")]
    keys = sorted(candidates)
    created: set[tuple[date, str]] = set()
    for start in range(0, len(keys), _ROWS_PER_STATEMENT):
        chunk = []
        for day, install_id in keys[start:start + _ROWS_PER_STATEMENT]:
            row = candidates[(day, install_id)]
            chunk.append((ops.adapt_datefield_value(day), install_id, row["province"], row["city"],
                          ops.adapt_datetimefield_value(row["seen_at"])))
        source, params = _row_source(columns, chunk)
        sql = (
            f"INSERT INTO {table} (day, install_id, province, city, first_seen_at) {source} "
            "ON CONFLICT (day, install_id) DO NOTHING RETURNING day, install_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for day, install_id in cursor.fetchall():
                created.add((day if isinstance(day, date) else date.fromisoformat(day), install_id))
    return created


def _fill_places(column: str, fills: dict[tuple[date, str], list[str]]) -> list[tuple[date, str]]:
    """
    Set `column` on existing DailyActive rows where it is still empty, in one
    UPDATE ... FROM a VALUES list per chunk (PostgreSQL and SQLite 3.33+), and
    return (day, place) for each row it changed. Rows that already have a place
    match nothing, so a batch of known installs costs one statement, not one
    per place.
    """
    rows = sorted((day, install_id, place) for (day, place), ids in fills.items() for install_id in ids)
    if not rows:
        return []
    ops = connection.ops
    table = ops.quote_name(DailyActive._meta.db_table)
    changed: list[tuple[date, str]] = []
    for start in range(0, len(rows), _ROWS_PER_STATEMENT):
        chunk = [(ops.adapt_datefield_value(day), install_id, place)
                 for day, install_id, place in rows[start:start + _ROWS_PER_STATEMENT]]
        source, params = _row_source([("day", "date"), ("install_id", "text"), ("place", "text")], chunk)
        sql = (
            f"WITH fill(day, install_id, place) AS ({source}) "
            f"UPDATE {table} SET {column} = fill.place FROM fill "
            f"WHERE {table}.day = fill.day AND {table}.install_id = fill.install_id AND {table}.{column} = '' "
            f"RETURNING {table}.day, {table}.{column}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for day, place in cursor.fetchall():
                changed.append((day if isinstance(day, date) else date.fromisoformat(day), place))
    return changed


def _increment(model, key_columns: list[str], deltas: dict[tuple, int], *, bump_version: bool = False) -> None:
    """
    Atomically add `deltas` to `model.count`, creating rows as needed (sorted, chunked);
    with `bump_version`, also add 1 to the row's `version`.
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
    items = sorted(deltas.items())
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
