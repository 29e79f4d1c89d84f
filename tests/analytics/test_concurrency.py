"""Concurrent batches and heartbeats keep the day counts equal to the daily-active rows."""
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
import random

import pytest
from django.db import connection, connections
from django.db.models import Count

from analytics.models import DailyActive, DailyActiveCount, DailyCityCount, DailyProvinceCount
from analytics.services import activity_mark_seen, events_ingest
from analytics.validation import split_batch
from core.timeutil import utc_now
from tests.analytics.helpers import event, local_midnight

pytestmark = pytest.mark.django_db(transaction=True)

PLACES = [("广东省", "深圳市"), ("广东省", "广州市"), ("北京市", "北京市"), ("", ""), ("浙江省", "")]


def worker(seed: int, day_start) -> None:
    rng = random.Random(seed)
    try:
        for _ in range(6):
            batch = []
            for _ in range(40):
                install = f"install-{rng.randrange(60):04d}"
                province, city = rng.choice(PLACES)
                ts = int((day_start + timedelta(hours=rng.randrange(48))).timestamp())
                batch.append(event(install=install, ts=ts, properties={"province": province, "city": city}))
            valid, errors = split_batch(batch, now=utc_now())
            assert not errors
            events_ingest(events=valid)
            activity_mark_seen(install_id=f"install-{rng.randrange(60):04d}",
                               seen_at=day_start + timedelta(hours=rng.randrange(48)))
    finally:
        connections.close_all()


def test_concurrent_writers_keep_counts_consistent():
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is a PostgreSQL matter; SQLite serialises writers")
    day_start = local_midnight(3)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(worker, range(8), [day_start] * 8))

    actives = dict(DailyActive.objects.values("day").annotate(n=Count("id")).values_list("day", "n"))
    assert actives and dict(DailyActiveCount.objects.values_list("day", "count")) == actives
    provinces = {(r["day"], r["province"]): r["n"] for r in
                 DailyActive.objects.exclude(province="").values("day", "province").annotate(n=Count("id"))}
    assert {(d, p): c for d, p, c in DailyProvinceCount.objects.values_list("day", "province", "count")} == provinces
    cities = {(r["day"], r["city"]): r["n"] for r in
              DailyActive.objects.exclude(city="").values("day", "city").annotate(n=Count("id"))}
    assert {(d, c): n for d, c, n in DailyCityCount.objects.values_list("day", "city", "count")} == cities
