"""
A DAU day's province and city come from the install's earliest event that day (by clientTs)
that names them, whatever order the batches arrive in (contract §8): late, out-of-order
batches from phones move the place, and the counts stay one install, one place, per day.
"""
from datetime import datetime, timedelta
from importlib import import_module
from io import StringIO
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections

from analytics.models import DailyActive, DailyActiveCount, DailyCityCount, DailyProvinceCount
from analytics.services import activity_mark_seen, counts_rebuild_day, events_ingest
from analytics.validation import split_batch
from core.timeutil import utc_now
from tests.analytics.helpers import DAU_URL, bearer_for, event, local_midnight, make_user, post_batch, run_together

pytestmark = pytest.mark.django_db


def at(day_start: datetime, hours: float) -> int:
    """Unix seconds `hours` after the local midnight `day_start` (whole seconds, as phones send)."""
    return int((day_start + timedelta(hours=hours)).timestamp())


def when(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=local_midnight(0).tzinfo)


def located(province, city):
    return {"properties": {"province": province, "city": city}}


def accepted(response, n):
    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": n, "failed": 0, "errors": [], "duplicates": 0}


def row_of(install):
    row = DailyActive.objects.get(install_id=install)
    return row.province, row.province_seen_at, row.city, row.city_seen_at, row.first_seen_at


def place_counts(day):
    """What DAU answers from: the day's non-zero province and city counts and its total."""
    return (DailyActiveCount.objects.get(day=day).count,
            dict(DailyProvinceCount.objects.filter(day=day, count__gt=0).values_list("province", "count")),
            dict(DailyCityCount.objects.filter(day=day, count__gt=0).values_list("city", "count")))


def test_a_late_batch_with_an_earlier_event_moves_the_place_in_dau(api):
    auth = bearer_for(make_user())
    day_start = local_midnight(2)
    day = day_start.date()
    # The phone's 10:00 batch arrives first; its queued 08:00 batch (another city) comes later.
    accepted(post_batch(api, [event(install="install-0001", ts=at(day_start, 10), **located("北京市", "北京市")),
                              event(install="install-0002", ts=at(day_start, 9), **located("北京市", "北京市"))]), 2)
    query = {"startDate": str(day), "endDate": str(day)}
    before = api.get(DAU_URL, query, **auth)
    assert before.json()["data"] == [
        {"day": str(day), "dauCount": 2, "dauByProvince": {"北京市": 2}, "dauByCity": {"北京市": 2}}]
    accepted(post_batch(api, [event(install="install-0001", ts=at(day_start, 8), **located("广东省", "深圳市"))]), 1)
    response = api.get(DAU_URL, query, **auth)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "data": [{"day": str(day), "dauCount": 2, "dauByProvince": {"北京市": 1, "广东省": 1},
                  "dauByCity": {"北京市": 1, "深圳市": 1}}],
        "total": 1,
        "summary": {"totalDau": 2, "avgDau": 2, "maxDau": 2, "minDau": 2},
        "timeZone": "Asia/Shanghai",
    }
    eight = when(at(day_start, 8))
    assert row_of("install-0001") == ("广东省", eight, "深圳市", eight, eight)
    # The old place's count row is left at zero (DAU omits it), not deleted.
    assert DailyProvinceCount.objects.get(day=day, province="北京市").count == 1
    assert DailyCityCount.objects.get(day=day, city="北京市").count == 1


def test_a_late_batch_with_later_events_moves_nothing_but_an_earlier_sighting_moves_first_seen(api):
    day_start = local_midnight(2)
    day = day_start.date()
    accepted(post_batch(api, [event(install="install-0001", ts=at(day_start, 10), **located("广东省", "深圳市"))]), 1)
    version = DailyActiveCount.objects.get(day=day).version
    # Later (by clientTs) places lose; an earlier event naming no place only moves first_seen_at.
    accepted(post_batch(api, [event(install="install-0001", ts=at(day_start, 11), **located("北京市", "北京市")),
                              event(install="install-0001", ts=at(day_start, 7))]), 2)
    ten = when(at(day_start, 10))
    assert row_of("install-0001") == ("广东省", ten, "深圳市", ten, when(at(day_start, 7)))
    assert place_counts(day) == (1, {"广东省": 1}, {"深圳市": 1})
    # No count changed, so the day's cached DAU entry stays valid.
    assert DailyActiveCount.objects.get(day=day).version == version


def test_a_heartbeat_earlier_than_the_events_moves_first_seen_only(api):
    day_start = local_midnight(2)
    day = day_start.date()
    accepted(post_batch(api, [event(install="install-0001", ts=at(day_start, 10), **located("广东省", "深圳市"))]), 1)
    activity_mark_seen(install_id="install-0001", seen_at=day_start + timedelta(hours=6))
    ten = when(at(day_start, 10))
    assert row_of("install-0001") == ("广东省", ten, "深圳市", ten, day_start + timedelta(hours=6))
    assert place_counts(day) == (1, {"广东省": 1}, {"深圳市": 1})


def test_events_sent_late_from_before_a_heartbeat_move_first_seen_and_place(api):
    day_start = local_midnight(2)
    day = day_start.date()
    activity_mark_seen(install_id="install-0001", seen_at=day_start + timedelta(hours=12))
    # Events from before the heartbeat, sent late: the earliest with a place wins.
    accepted(post_batch(api, [event(install="install-0001", ts=at(day_start, 9), **located("浙江省", "杭州市")),
                              event(install="install-0001", ts=at(day_start, 8), **located("四川省", "成都市"))]), 2)
    eight = when(at(day_start, 8))
    assert row_of("install-0001") == ("四川省", eight, "成都市", eight, eight)
    assert place_counts(day) == (1, {"四川省": 1}, {"成都市": 1})


def test_within_one_batch_the_earliest_event_naming_a_place_wins_whatever_the_batch_order(api):
    day_start = local_midnight(2)
    day = day_start.date()
    accepted(post_batch(api, [
        event(install="install-0001", ts=at(day_start, 11), **located("北京市", "北京市")),
        event(install="install-0001", ts=at(day_start, 7)),  # earliest, but names no place
        event(install="install-0001", ts=at(day_start, 9), **located("广东省", "广州市")),
        event(install="install-0001", ts=at(day_start, 10), **located("上海市", "上海市")),
        # Two events of one second: the first in the batch wins.
        event(install="install-0002", ts=at(day_start, 9), **located("湖北省", "武汉市")),
        event(install="install-0002", ts=at(day_start, 9), **located("湖南省", "长沙市")),
    ]), 6)
    nine = when(at(day_start, 9))
    assert row_of("install-0001") == ("广东省", nine, "广州市", nine, when(at(day_start, 7)))
    assert row_of("install-0002") == ("湖北省", nine, "武汉市", nine, nine)
    assert place_counts(day) == (2, {"广东省": 1, "湖北省": 1}, {"广州市": 1, "武汉市": 1})


def test_province_and_city_each_follow_their_own_earliest_event(api):
    day_start = local_midnight(2)
    day = day_start.date()
    accepted(post_batch(api, [event(install="install-0001", ts=at(day_start, 10), **located("广东省", "深圳市"))]), 1)
    # An earlier event naming a city alone moves the city; the province stays that of 10:00.
    accepted(post_batch(api, [event(install="install-0001", ts=at(day_start, 8), properties={"city": "东莞市"})]), 1)
    # An earlier one naming a province alone then moves the province only.
    accepted(post_batch(api, [event(install="install-0001", ts=at(day_start, 9),
                                    properties={"province": "广西壮族自治区"})]), 1)
    eight, nine = when(at(day_start, 8)), when(at(day_start, 9))
    assert row_of("install-0001") == ("广西壮族自治区", nine, "东莞市", eight, eight)
    assert place_counts(day) == (1, {"广西壮族自治区": 1}, {"东莞市": 1})


def test_many_installs_moved_by_one_batch_keep_exact_counts(api):
    day_start = local_midnight(3)
    day = day_start.date()
    late = [event(install=f"install-{n:04d}", ts=at(day_start, 12), **located(f"省{n % 3}", f"市{n % 5}"))
            for n in range(60)]
    accepted(post_batch(api, late), 60)
    # The earlier batch: even installs move to 省9/市9, odd ones name a later place (no move).
    early = [event(install=f"install-{n:04d}", ts=at(day_start, 6 if n % 2 == 0 else 13), **located("省9", "市9"))
             for n in range(60)]
    accepted(post_batch(api, early), 60)
    provinces = {f"省{k}": sum(1 for n in range(1, 60, 2) if n % 3 == k) for k in range(3)}
    cities = {f"市{k}": sum(1 for n in range(1, 60, 2) if n % 5 == k) for k in range(5)}
    assert place_counts(day) == (60, {**provinces, "省9": 30}, {**cities, "市9": 30})
    # The rebuild, from the daily-active rows, finds nothing to correct.
    assert counts_rebuild_day(day) is None


def test_the_rebuild_computes_the_earliest_places(api):
    day_start = local_midnight(2)
    day = day_start.date()
    accepted(post_batch(api, [event(install="install-0001", ts=at(day_start, 10), **located("北京市", "北京市"))]), 1)
    accepted(post_batch(api, [event(install="install-0001", ts=at(day_start, 8), **located("广东省", "深圳市"))]), 1)
    assert counts_rebuild_day(day) is None
    # Counts lost (a restore of the daily-active table alone): the rebuild brings back the same answer.
    DailyProvinceCount.objects.filter(day=day).delete()
    DailyCityCount.objects.filter(day=day).delete()
    out = StringIO()
    call_command("analytics_rebuild_counts", "--start", str(day), "--end", str(day), stdout=out)
    assert "changed 1" in out.getvalue()
    assert place_counts(day) == (1, {"广东省": 1}, {"深圳市": 1})


def test_a_place_without_its_time_counts_as_named_at_first_seen(api):
    """Rows from before place_seen_at existed, or loaded in SQL without it."""
    day_start = local_midnight(2)
    day = day_start.date()
    DailyActive.objects.create(day=day, install_id="install-0001", province="北京市", city="北京市",
                               first_seen_at=day_start + timedelta(hours=10))
    DailyActiveCount.objects.create(day=day, count=1)
    DailyProvinceCount.objects.create(day=day, province="北京市", count=1)
    DailyCityCount.objects.create(day=day, city="北京市", count=1)
    accepted(post_batch(api, [event(install="install-0001", ts=at(day_start, 11), **located("上海市", "上海市"))]), 1)
    assert place_counts(day) == (1, {"北京市": 1}, {"北京市": 1})
    accepted(post_batch(api, [event(install="install-0001", ts=at(day_start, 9), **located("上海市", "上海市"))]), 1)
    nine = when(at(day_start, 9))
    assert row_of("install-0001") == ("上海市", nine, "上海市", nine, nine)
    assert place_counts(day) == (1, {"上海市": 1}, {"上海市": 1})


def test_the_migration_backfills_place_times_from_first_seen():
    migration = import_module("analytics.migrations.0005_dailyactive_place_seen_at")
    day = local_midnight(2).date()
    seen = local_midnight(2) + timedelta(hours=7)
    DailyActive.objects.create(day=day, install_id="install-0001", province="广东省", city="", first_seen_at=seen)
    DailyActive.objects.create(day=day, install_id="install-0002", province="", city="深圳市", first_seen_at=seen)
    DailyActive.objects.create(day=day, install_id="install-0003", first_seen_at=seen)

    class SchemaEditor:  # what the RunPython function reads of its schema editor
        connection = connection

    from django.apps import apps
    migration.backfill(apps, SchemaEditor())
    assert sorted(DailyActive.objects.values_list("install_id", "province_seen_at", "city_seen_at")) == [
        ("install-0001", seen, None), ("install-0002", None, seen), ("install-0003", None, None)]


@pytest.mark.django_db(transaction=True)
def test_racing_batches_for_the_same_installs_end_with_the_earliest_place_and_exact_counts():
    """
    Two batches for the same installs and day, one with 08:00 events and one with 10:00
    events (other places), sent at the same moment from two threads, round after round
    (new installs, or rows a heartbeat created): whichever commits first, every install
    ends placed by 08:00, first seen at 08:00, and the counts are exact.
    """
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is a PostgreSQL matter; SQLite serialises writers")
    day_start = local_midnight(4)
    day = day_start.date()
    rounds, installs = 12, 40
    errors: list[BaseException] = []

    def send(round_no: int, hours: int, place: tuple[str, str], barrier: threading.Barrier) -> None:
        try:
            # Each round uses fresh installs, so that both batches race to insert them too.
            batch = [event(install=f"race-{round_no:02d}-{n:03d}", ts=at(day_start, hours + n / 100),
                           properties={"province": place[0], "city": place[1]}) for n in range(installs)]
            if round_no % 2:
                batch.reverse()  # the (day, install) order is the code's, not the batch's
            valid, refused = split_batch(batch, now=utc_now())
            assert not refused
            barrier.wait(timeout=30)
            events_ingest(events=valid)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    for round_no in range(rounds):
        if round_no % 3 == 0:
            # Rows already there without a place (heartbeats came first): both batches skip the
            # insert and move the same rows, so the second must see what the first wrote.
            for n in range(installs):
                activity_mark_seen(install_id=f"race-{round_no:02d}-{n:03d}", seen_at=day_start + timedelta(hours=12))
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=send, args=(round_no, 10, ("北京市", "北京市"), barrier)),
                   threading.Thread(target=send, args=(round_no, 8, ("广东省", "深圳市"), barrier))]
        if round_no % 2:
            threads.reverse()
        run_together(threads, timeout=60, what="a batch")
        assert not errors, errors

    total = rounds * installs
    assert set(DailyActive.objects.filter(day=day).values_list("province", "city")) == {("广东省", "深圳市")}
    assert not DailyActive.objects.filter(day=day, first_seen_at__gte=day_start + timedelta(hours=9)).exists()
    assert place_counts(day) == (total, {"广东省": total}, {"深圳市": total})
    assert counts_rebuild_day(day) is None
