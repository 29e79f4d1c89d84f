#!/usr/bin/env python
"""
Load the benchmark data set into the bench database (run by bench/run.py).

- 10 partner apps with known secrets (bench/.data/apps.txt) and 1,000,000 intents
  spread over them, inserted by PostgreSQL itself (INSERT ... SELECT generate_series);
- 5,000 users with JWTs (bench/.data/tokens.txt): the per-user limits of 003 §6
  apply to every request, so the load is spread over many real users;
- 1,000,000 installs online in the presence store (Redis sorted set, pipelined
  ZADD), refreshed on every run since "online" means "seen in the last 180 s";
- 90 days x 100,000 daily actives over 34 provinces and 300 cities, and the
  per-day counts the DAU endpoint reads, computed by GROUP BY in SQL;
- 7 days of minute snapshots.

Slow parts are skipped when already loaded; --reload drops and loads them again.
"""
import argparse
from datetime import UTC, datetime, timedelta
import os
from pathlib import Path
import sys
import time

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / ".data"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.tokens import token_issue  # noqa: E402
from presence.models import PresenceSnapshot  # noqa: E402
from procurement.models import Intent, PartnerApp  # noqa: E402
from procurement.services import partner_app_create, partner_app_rotate_secret  # noqa: E402

APPS = 10
INTENTS = 1_000_000
USERS = 5_000
INSTALLS_ONLINE = 1_000_000
DAU_DAYS = 90
DAU_PER_DAY = 100_000
PROVINCES = 34
CITIES = 300
SNAPSHOT_DAYS = 7


def step(name):
    def wrap(fn):
        def run(*args, **kwargs):
            started = time.monotonic()
            print(f"load: {name} ...", flush=True)
            result = fn(*args, **kwargs)
            print(f"load: {name} done in {time.monotonic() - started:.1f} s", flush=True)
            return result
        return run
    return wrap


@step("partner apps")
def load_apps():
    lines = []
    for n in range(APPS):
        app_id = f"bench_app_{n:02d}"
        app = PartnerApp.objects.filter(app_id=app_id).first()
        if app is None:
            # A per-app QPS far above the load: the limiter still runs on every request.
            app, secret = partner_app_create(name=f"Bench app {n}", app_id=app_id, qps_limit=1_000_000)
        else:
            secret = partner_app_rotate_secret(app=app, grace=timedelta(0))
        lines.append(f"{app_id} {secret}")
    (DATA / "apps.txt").write_text("\n".join(lines) + "\n")


@step("1,000,000 intents")
def load_intents(reload):
    if reload:
        Intent.objects.all().delete()
    have = Intent.objects.count()
    if have < INTENTS:
        app_pks = list(PartnerApp.objects.filter(app_id__startswith="bench_app_").order_by("app_id")
                       .values_list("pk", flat=True))
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {Intent._meta.db_table}
                  (id, app_id, user_id, platform, product_url, product_url_digest, title, price, quantity,
                   remark, status, created_at, updated_at)
                SELECT 'intent_' || substr(md5(g::text || random()::text), 1, 24),
                       (%s::bigint[])[1 + g %% {APPS}],
                       'user_' || (g %% 50000),
                       (ARRAY['TAOBAO','TMALL','JD','PDD','ALIBABA_1688','OTHER'])[1 + g %% 6],
                       'https://item.taobao.com/item.htm?id=' || g,
                       encode(sha256(('https://item.taobao.com/item.htm?id=' || g)::bytea), 'hex'),
                       'bench item ' || g,
                       (1 + (g * 7919) %% 100000) / 100.0,
                       1 + g %% 5,
                       NULL,
                       (ARRAY['SUBMITTED','PROCESSING','COMPLETED','FAILED','CANCELLED'])[1 + (g / 7) %% 5],
                       now() - (g || ' seconds')::interval,
                       now() - (g || ' seconds')::interval
                FROM generate_series(%s::bigint, %s::bigint) AS g
                """,
                [app_pks, have + 1, INTENTS],
            )
    app = PartnerApp.objects.get(app_id="bench_app_00")
    ids = Intent.objects.filter(app=app).order_by("-created_at").values_list("id", flat=True)[:20000]
    (DATA / "intent_ids.txt").write_text("\n".join(ids) + "\n")


@step("5,000 users and their tokens")
def load_users():
    User = get_user_model()
    existing = set(User.objects.filter(username__startswith="bench_user_").values_list("username", flat=True))
    User.objects.bulk_create(
        [User(username=f"bench_user_{n}", password="!") for n in range(USERS) if f"bench_user_{n}" not in existing],
        batch_size=1000,
    )
    users = User.objects.filter(username__startswith="bench_user_").only("id", "token_version")
    (DATA / "tokens.txt").write_text("\n".join(token_issue(user=user) for user in users) + "\n")


@step("1,000,000 installs online (Redis)")
def load_presence():
    from django_redis import get_redis_connection

    client = get_redis_connection("default")
    key = cache.make_key("presence:online")
    now = int(time.time())
    client.delete(key)
    pipe = client.pipeline(transaction=False)
    for start in range(0, INSTALLS_ONLINE, 10_000):
        pipe.zadd(key, {f"inst_{n:07d}": now - n % 120 for n in range(start, start + 10_000)})
        if start % 100_000 == 0:
            pipe.execute()
    pipe.execute()
    # Installs that are online have already been seen today: their day mark is set, as
    # in the steady state (a heartbeat then writes no SQL). See docs/performance.md.
    day_key = cache.make_key(f"presence:seen:{timezone.localdate().isoformat()}")
    client.delete(day_key)
    for start in range(0, INSTALLS_ONLINE, 10_000):
        pipe.sadd(day_key, *[f"inst_{n:07d}" for n in range(start, start + 10_000)])
        if start % 100_000 == 0:
            pipe.execute()
    pipe.expire(day_key, 2 * 86400)
    pipe.execute()
    print(f"load:   {client.zcard(key):,} members in {key}, {client.scard(day_key):,} in {day_key}")


@step("7 days of minute snapshots")
def load_snapshots():
    now = timezone.now().replace(second=0, microsecond=0)
    start = now - timedelta(days=SNAPSHOT_DAYS)
    rows, minute = [], start
    while minute < now:
        n = int((minute - start).total_seconds() // 60)
        rows.append(PresenceSnapshot(minute=minute, count=900_000 + (n * 7919) % 100_000,
                                     window_seconds=180, taken_at=minute))
        minute += timedelta(minutes=1)
    PresenceSnapshot.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    end = now
    (DATA / "history_range.txt").write_text(
        f"startTime={start.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}&endTime={end.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}\n")


@step("90 days x 100,000 daily actives and their counts")
def load_daily_actives(reload):
    from analytics.models import DailyActive, DailyActiveCount, DailyCityCount, DailyProvinceCount

    today = timezone.localdate()
    first = today - timedelta(days=DAU_DAYS - 1)
    (DATA / "dau_range.txt").write_text(f"startDate={first.isoformat()}&endDate={today.isoformat()}\n")
    if reload:
        for model in (DailyActive, DailyActiveCount, DailyProvinceCount, DailyCityCount):
            model.objects.all().delete()
    if DailyActive.objects.filter(day=first).count() >= DAU_PER_DAY and DailyActive.objects.filter(
            day=today).count() >= DAU_PER_DAY:
        return
    table = DailyActive._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE day BETWEEN %s AND %s", [first, today])
        cursor.execute(
            f"""
            INSERT INTO {table} (day, install_id, province, city, first_seen_at)
            SELECT d::date, 'dau_' || lpad(i::text, 7, '0'),
                   'province_' || lpad((((i * 7 + day_n) %% {CITIES}) %% {PROVINCES})::text, 2, '0'),
                   'city_' || lpad(((i * 7 + day_n) %% {CITIES})::text, 3, '0'),
                   d + interval '8 hours'
            FROM generate_series(%s::date, %s::date, interval '1 day') WITH ORDINALITY AS days(d, day_n),
                 generate_series(1, {DAU_PER_DAY}) AS i
            """,
            [first, today],
        )
        for model in (DailyActiveCount, DailyProvinceCount, DailyCityCount):
            model.objects.filter(day__range=(first, today)).delete()
        cursor.execute(
            f"""INSERT INTO {DailyActiveCount._meta.db_table} (day, count, version)
                SELECT day, count(*), 1 FROM {table} WHERE day BETWEEN %s AND %s GROUP BY day""", [first, today])
        cursor.execute(
            f"""INSERT INTO {DailyProvinceCount._meta.db_table} (day, province, count)
                SELECT day, province, count(*) FROM {table}
                WHERE day BETWEEN %s AND %s AND province <> '' GROUP BY day, province""", [first, today])
        cursor.execute(
            f"""INSERT INTO {DailyCityCount._meta.db_table} (day, city, count)
                SELECT day, city, count(*) FROM {table}
                WHERE day BETWEEN %s AND %s AND city <> '' GROUP BY day, city""", [first, today])
    # The DAU selector caches per-day entries under the count rows' version; start cold.
    cache.clear()


@step("VACUUM ANALYZE")
def vacuum():
    # The steady state autovacuum keeps: statistics, and a visibility map that lets
    # counts run as index-only scans instead of visiting every heap page.
    from analytics.models import DailyActive

    with connection.cursor() as cursor:
        for model in (Intent, DailyActive, PresenceSnapshot):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reload", action="store_true", help="drop the loaded rows and load them again")
    args = parser.parse_args()
    if not settings.DATABASE_URL or not settings.REDIS_URL:
        raise SystemExit("load_data: the benchmark runs on PostgreSQL and Redis (DATABASE_URL, REDIS_URL)")
    DATA.mkdir(exist_ok=True)
    load_apps()
    load_intents(args.reload)
    load_users()
    load_snapshots()
    load_daily_actives(args.reload)
    vacuum()
    load_presence()  # last: "online" is measured from now


if __name__ == "__main__":
    main()
