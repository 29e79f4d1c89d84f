#!/usr/bin/env python
"""
Load the benchmark data set into the bench database (run by bench/run.py).

- 10 partner apps with known secrets (bench/.data/apps.txt) and 1,000,000 intents
  spread over them, inserted by PostgreSQL itself (INSERT ... SELECT generate_series);
- 100,000 users: 5,000 `bench_user_N` with JWTs (bench/.data/tokens.txt): the
  per-user limits of 003 §6 apply to every request, so the load is spread over
  many real users; and 95,000 with varied usernames, nicknames, e-mail
  addresses and phones, a mix of statuses and user types, a few staff
  (INSERT ... SELECT generate_series);
- with --admin-scale only: 10,000,000 raw analytics events over 90 days of
  received_at (predefined and custom names, 200,000 installs, event ids unique
  per install, properties), inserted by PostgreSQL in chunks of 1,000,000
  with the indexes built once at the end (about 7 minutes on 2 cores; the API
  benchmark never reads them, so `make bench` does not load them);
- 2,000 batch status-change records over the same 90 days;
- 1,000,000 installs online in the presence store (Redis sorted set, pipelined
  ZADD), refreshed on every run since "online" means "seen in the last 180 s";
- 90 days x 100,000 daily actives over 34 provinces and 300 cities, and the
  per-day counts the DAU endpoint reads, computed by GROUP BY in SQL;
- 365 days of minute snapshots (the history endpoint reads the last 7).

The users beyond the benchmark's, the events, the batch records and the year
of snapshots are the admin's production size (docs/performance.md, "The admin
at production size"); the API benchmark does not read them.

Slow parts are skipped when already loaded; --reload drops and loads them again.
"""
import argparse
from datetime import UTC, timedelta
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
USERS = 5_000  # with tokens: the benchmark's users
OTHER_USERS = 95_000  # the rest of the 100,000 operators see in the admin
EVENTS = 10_000_000
EVENT_DAYS = 90
EVENT_INSTALLS = 200_000
EVENT_CHUNK = 1_000_000
BATCHES = 2_000
INSTALLS_ONLINE = 1_000_000
DAU_DAYS = 90
DAU_PER_DAY = 100_000
PROVINCES = 34
CITIES = 300
SNAPSHOT_DAYS = 365
HISTORY_DAYS = 7  # the range the history scenario asks for


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


@step("100,000 users, 5,000 tokens")
def load_users(reload):
    User = get_user_model()
    table = User._meta.db_table
    with connection.cursor() as cursor:
        if reload:
            # The batch records name these users as actors (a foreign key): they go first.
            cursor.execute("DELETE FROM accounts_status_change_batch WHERE actor_id IN "
                           f"(SELECT id FROM {table} WHERE password = '!bench')")
            cursor.execute(f"DELETE FROM {table} WHERE password = '!bench'")
        # The benchmark's users: plain active accounts, one JWT each.
        cursor.execute(
            f"""
            INSERT INTO {table} (password, is_superuser, username, nickname, real_name, email, phone, avatar_url,
                                 gender, user_type, status, is_staff, token_version, created_at, updated_at)
            SELECT '!', false, 'bench_user_' || n, '', '', NULL, NULL, '', '', 'user', 'active', false, 0,
                   now() - interval '800 days', now() - interval '800 days'
            FROM generate_series(0, {USERS - 1}) AS n
            ON CONFLICT (username) DO NOTHING
            """)
        cursor.execute(f"SELECT count(*) FROM {table} WHERE password = '!bench'")
        if cursor.fetchone()[0] < OTHER_USERS:
            _insert_other_users(cursor, table)
    users = User.objects.filter(username__startswith="bench_user_").only("id", "token_version")
    (DATA / "tokens.txt").write_text("\n".join(token_issue(user=user) for user in users) + "\n")


def _insert_other_users(cursor, table):
    """
    95,000 accounts as operators meet them: pinyin usernames in a few shapes, Chinese
    nicknames, most with a phone and many with an e-mail address (unique, like the
    columns), 8% inactive, farmers and merchants among them, one in 5,000 staff,
    joined over two years. Their password '!bench' is unusable (no hash starts with
    '!'), and marks them for --reload.
    """
    surnames = ["zhang", "wang", "li", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou",
                "xu", "sun", "ma", "zhu", "hu", "guo", "he", "lin", "luo", "gao"]
    surnames_zh = list("张王李刘陈杨黄赵吴周徐孙马朱胡郭何林罗高")
    given = ["wei", "fang", "na", "min", "jing", "li", "qiang", "lei", "jun", "yang",
             "yong", "yan", "jie", "tao", "ming", "chao", "xiu", "xia", "ping", "gang"]
    given_zh = list("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚")
    cursor.execute(
        f"""
        INSERT INTO {table} (password, is_superuser, username, nickname, real_name, email, phone, avatar_url,
                             gender, birthday, user_type, status, is_staff, token_version, created_at,
                             updated_at, last_login)
        SELECT '!bench', false,
               CASE g %% 3 WHEN 0 THEN s || '_' || n || '_' || g
                           WHEN 1 THEN s || n || g
                           ELSE 'u' || (10000000 + g * 37) END,
               CASE g %% 4 WHEN 0 THEN sz || nz WHEN 1 THEN '小' || nz WHEN 2 THEN nz || nz || g %% 100
                           ELSE '' END,
               CASE WHEN g %% 2 = 0 THEN sz || nz ELSE '' END,
               CASE WHEN g %% 10 < 7 THEN s || '.' || n || g || '@' ||
                    (ARRAY['qq.com','163.com','126.com','gmail.com','outlook.com','sina.com'])[1 + g %% 6] END,
               CASE WHEN g %% 5 < 4 THEN '1' || (ARRAY['38','39','36','50','51','58','86','87','88','77'])[1 + g %% 10]
                                        || lpad(g::text, 8, '0') END,
               CASE WHEN g %% 3 = 0 THEN 'https://cdn.example.com/avatars/' || g || '.png' ELSE '' END,
               (ARRAY['male','female','other','',''])[1 + g %% 5],
               CASE WHEN g %% 3 = 1 THEN date '1960-01-01' + (g * 13) %% 16000 END,
               CASE WHEN g %% 100 < 80 THEN 'user' WHEN g %% 100 < 90 THEN 'farmer'
                    WHEN g %% 100 < 98 THEN 'merchant' ELSE 'admin' END,
               CASE WHEN (g * 7) %% 100 < 8 AND g %% 5000 <> 0 THEN 'inactive' ELSE 'active' END,
               g %% 5000 = 0,
               (g %% 7 = 0)::int,
               now() - ({OTHER_USERS} - g) * interval '10 minutes',
               now() - ({OTHER_USERS} - g) * interval '5 minutes',
               CASE WHEN g %% 4 <> 3 THEN now() - (g %% 2000) * interval '1 hour' END
        FROM generate_series(1, {OTHER_USERS}) AS g,
             LATERAL (SELECT (%s::text[])[1 + g %% 20] AS s, (%s::text[])[1 + g %% 20] AS sz,
                             (%s::text[])[1 + (g / 20) %% 20] AS n, (%s::text[])[1 + (g / 20) %% 20] AS nz) AS name
        ON CONFLICT DO NOTHING
        """,
        [surnames, surnames_zh, given, given_zh],
    )


@step("2,000 batch status-change records")
def load_batches():
    """Made by the staff accounts among the users above (--reload dropped them with those users)."""
    from accounts.models import StatusChangeBatch

    table = StatusChangeBatch._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        if cursor.fetchone()[0] >= BATCHES:
            return
        # No parameters: '%' is the modulo operator here, not a placeholder.
        cursor.execute(
            f"""
            WITH staff AS (SELECT array_agg(id ORDER BY id) AS ids, array_agg(username ORDER BY id) AS names
                           FROM accounts_user WHERE password = '!bench' AND is_staff)
            INSERT INTO {table} (actor_id, actor_label, source, status, requested_count, changed_count,
                                 changed_ids, unchanged_ids, missing_ids, skipped_self, skipped_privileged_ids,
                                 created_at)
            SELECT staff.ids[1 + g % array_length(staff.ids, 1)], staff.names[1 + g % array_length(staff.ids, 1)],
                   (ARRAY['admin','admin','api','command'])[1 + g % 4],
                   (ARRAY['inactive','active'])[1 + (g / 3) % 2],
                   2 + g % 19, 2 + g % 19 - (g % 3 = 0)::int,
                   (SELECT jsonb_agg(6000 + (g * 97 + k * 13) % 90000)
                    FROM generate_series(1, 2 + g % 19 - (g % 3 = 0)::int) AS k),
                   '[]'::jsonb, CASE WHEN g % 3 = 0 THEN '[999999999]'::jsonb ELSE '[]'::jsonb END,
                   g % 50 = 0, '[]'::jsonb,
                   now() - ({BATCHES} - g) * interval '65 minutes'
            FROM generate_series(1, {BATCHES}) AS g, staff
            """)


@step("10,000,000 analytics events")
def load_events(reload):
    from analytics.models import Event

    table = Event._meta.db_table
    with connection.cursor() as cursor:
        if reload:
            cursor.execute(f"TRUNCATE {table} RESTART IDENTITY")
        else:
            # The planner's estimate says "loaded" without counting 10,000,000 rows; the
            # exact count below (where a partial load resumes) only runs when it does not.
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
            if cursor.fetchone()[0] >= EVENTS * 0.99:
                return
        cursor.execute(f"SELECT count(*), min(received_at) FROM {table}")
        have, first = cursor.fetchone()
        # Event g is received at start + g * step: ids and received_at grow together, as in
        # the append-only log (the BRIN index on received_at relies on it).
        seconds_per_event = EVENT_DAYS * 86400 / EVENTS
        start = (first - timedelta(seconds=seconds_per_event)) if first else timezone.now() - timedelta(
            days=EVENT_DAYS)
        if have:
            # A partial load goes on where it stopped, one committed chunk at a time.
            for low in range(have + 1, EVENTS + 1, EVENT_CHUNK):
                _insert_events(cursor, table, low, min(low + EVENT_CHUNK - 1, EVENTS), start, seconds_per_event)
            return
    # A fresh load builds the secondary indexes once at the end (one sort each) instead of
    # updating them row by row, which is several times slower. All in one transaction: an
    # interrupted load leaves the table empty and its indexes as the migrations made them.
    with transaction.atomic(), connection.cursor() as cursor:
        rebuild = _drop_secondary_indexes(cursor, table)
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for low in range(1, EVENTS + 1, EVENT_CHUNK):
            _insert_events(cursor, table, low, min(low + EVENT_CHUNK - 1, EVENTS), start, seconds_per_event)
        for name, sql in rebuild:
            began = time.monotonic()
            cursor.execute(sql)
            print(f"load:   index {name} in {time.monotonic() - began:.1f} s", flush=True)


def _drop_secondary_indexes(cursor, table) -> list[tuple[str, str]]:
    """
    Drop the table's unique constraints and indexes but the primary key (ids are appended in
    order, which a B-tree takes cheaply); return (name, SQL) that makes each again as it was.
    Read from the catalogue, so indexes a later migration adds are kept too.
    """
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = %s::regclass AND contype IN ('u', 'x')", [table])
    constraints = cursor.fetchall()
    cursor.execute(
        """SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
           WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)""", [table])
    indexes = cursor.fetchall()
    for name, _ in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return ([(name, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}') for name, definition in constraints]
            + [(name, definition) for name, definition in indexes])


EVENT_PROVINCES = ["广东", "浙江", "江苏", "山东", "河南", "四川", "湖北", "湖南", "福建", "上海"]
EVENT_CITIES = ["广州", "杭州", "南京", "济南", "郑州", "成都", "武汉", "长沙", "福州", "上海"]


def _insert_events(cursor, table, low, high, start, seconds_per_event):
    """Events low..high (see the module docstring), received `seconds_per_event` apart from `start`."""
    began = time.monotonic()
    cursor.execute(
        f"""
        INSERT INTO {table} (event_name, install_id, user_id, event_id, client_ts, received_at, day,
                             properties)
        SELECT name, install, CASE WHEN g %% 5 < 3 THEN (1 + (g * 13) %% 100000)::text END,
               CASE WHEN g %% 50 <> 0 THEN md5('evt' || g)::uuid::text END,
               client_ts, received_at, (client_ts AT TIME ZONE %s)::date,
               CASE WHEN g %% 10 <> 0 THEN jsonb_strip_nulls(jsonb_build_object(
                   'province', (%s::text[])[1 + (g * 7919 %% {EVENT_INSTALLS}) %% 10],
                   'city', (%s::text[])[1 + (g * 7919 %% {EVENT_INSTALLS}) %% 10],
                   'appVersion', '2.' || g %% 7 || '.' || g %% 3,
                   'os', (ARRAY['android','ios','harmonyos'])[1 + g %% 3],
                   'page', CASE WHEN name IN ('page_view','product_view','search')
                                THEN (ARRAY['home','category','detail','cart','me'])[1 + g %% 5] END,
                   'productId', CASE WHEN name IN ('product_view','add_to_cart')
                                     THEN 'p' || (g * 31) %% 50000 END,
                   'durationMs', CASE WHEN name = 'app_session_end' THEN (g * 17) %% 3600000 END))
               END
        FROM (
            SELECT g,
                   'inst_' || lpad(((g * 7919) %% {EVENT_INSTALLS})::text, 7, '0') AS install,
                   %s::timestamptz + g * %s * interval '1 second' AS received_at,
                   %s::timestamptz + g * %s * interval '1 second' - (g %% 300) * interval '1 second'
                       AS client_ts,
                   CASE WHEN (g * 31) %% 100 < 40 THEN 'presence_heartbeat'
                        WHEN (g * 31) %% 100 < 52 THEN 'app_session_start'
                        WHEN (g * 31) %% 100 < 64 THEN 'app_session_end'
                        WHEN (g * 31) %% 100 < 68 THEN 'user_login'
                        WHEN (g * 31) %% 100 < 70 THEN 'user_logout'
                        WHEN (g * 31) %% 100 < 82 THEN 'page_view'
                        WHEN (g * 31) %% 100 < 89 THEN 'product_view'
                        WHEN (g * 31) %% 100 < 93 THEN 'add_to_cart'
                        WHEN (g * 31) %% 100 < 96 THEN 'search'
                        WHEN (g * 31) %% 100 < 97 THEN 'share'
                        WHEN (g * 31) %% 100 < 99 THEN 'purchase_intent_submit'
                        ELSE 'push_open' END AS name
            FROM generate_series(%s::bigint, %s::bigint) AS g
        ) AS e
        """,
        [settings.TIME_ZONE, EVENT_PROVINCES, EVENT_CITIES, start, seconds_per_event, start,
         seconds_per_event, low, high],
    )
    print(f"load:   events {low:,}-{high:,} in {time.monotonic() - began:.1f} s", flush=True)


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


@step("365 days of minute snapshots")
def load_snapshots():
    now = timezone.now().replace(second=0, microsecond=0)
    start = now - timedelta(days=SNAPSHOT_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {PresenceSnapshot._meta.db_table} (minute, count, window_seconds, taken_at)
            SELECT m, 900000 + (n * 7919) %% 100000, 180, m
            FROM generate_series(%s::timestamptz, %s::timestamptz - interval '1 minute', interval '1 minute')
                 WITH ORDINALITY AS minutes(m, n)
            ON CONFLICT (minute) DO NOTHING
            """,
            [start, now],
        )
    (DATA / "history_range.txt").write_text(
        f"startTime={(now - timedelta(days=HISTORY_DAYS)).astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
        f"&endTime={now.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}\n")


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
    from accounts.models import StatusChangeBatch
    from analytics.models import DailyActive, Event

    with connection.cursor() as cursor:
        for model in (Intent, DailyActive, PresenceSnapshot, Event, get_user_model(), StatusChangeBatch):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reload", action="store_true", help="drop the loaded rows and load them again")
    parser.add_argument("--admin-scale", action="store_true",
                        help="also load the 10,000,000 analytics events the admin is measured with "
                             "(bench/admin_timing.py)")
    args = parser.parse_args()
    if not settings.DATABASE_URL or not settings.REDIS_URL:
        raise SystemExit("load_data: the benchmark runs on PostgreSQL and Redis (DATABASE_URL, REDIS_URL)")
    DATA.mkdir(exist_ok=True)
    load_apps()
    load_intents(args.reload)
    load_users(args.reload)
    load_batches()
    load_snapshots()
    load_daily_actives(args.reload)
    if args.admin_scale:
        load_events(args.reload)
    vacuum()
    load_presence()  # last: "online" is measured from now


if __name__ == "__main__":
    main()
