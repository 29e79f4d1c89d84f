"""GET /api/v1/analytics/dau (seed 003 §2.2, contract §8)."""
from datetime import timedelta

import pytest

from analytics.models import DailyActive, DailyActiveCount
from analytics.services import activity_mark_seen
from tests.analytics.helpers import DAU_URL, bearer_for, event, local_midnight, make_user, post_batch
from tests.support.assertions import assert_plain_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth():
    return bearer_for(make_user())


def dau(api, auth, start, end):
    return api.get(DAU_URL, {"startDate": str(start), "endDate": str(end)}, **auth)


def located(province, city):
    return {"properties": {"province": province, "city": city}}


def test_a_batch_shows_up_in_dau_for_its_day_with_province_and_city(api, auth):
    day = local_midnight(1)
    ts = int((day + timedelta(hours=9)).timestamp())
    post_batch(api, [
        event(install="uuid-xxxx-xxxx-xxxx", ts=ts, userId="12345", **located("广东省", "深圳市")),
        event(name="presence_heartbeat", install="uuid-xxxx-xxxx-xxxx", ts=ts + 60),
    ])
    response = dau(api, auth, day.date(), day.date())
    assert response.status_code == 200, response.content
    assert response.json() == {
        "data": [{"day": str(day.date()), "dauCount": 1, "dauByProvince": {"广东省": 1}, "dauByCity": {"深圳市": 1}}],
        "total": 1,
        "summary": {"totalDau": 1, "avgDau": 1, "maxDau": 1, "minDau": 1},
        "timeZone": "Asia/Shanghai",
    }


def test_events_at_2359_and_0001_local_count_on_two_days(api, auth):
    first_day = local_midnight(3)
    second_day = local_midnight(2)
    post_batch(api, [
        event(install="install-0001", ts=int((second_day - timedelta(minutes=1)).timestamp())),
        event(install="install-0001", ts=int((second_day + timedelta(minutes=1)).timestamp())),
    ])
    body = dau(api, auth, first_day.date(), second_day.date()).json()
    assert [(d["day"], d["dauCount"]) for d in body["data"]] == [
        (str(first_day.date()), 1), (str(second_day.date()), 1)]
    assert body["summary"] == {"totalDau": 2, "avgDau": 1, "maxDau": 1, "minDau": 1}


def test_every_day_of_the_range_is_answered_zero_days_included(api, auth):
    start = local_midnight(10)
    post_batch(api, [event(install=f"install-000{n}", ts=int((start + timedelta(days=2, hours=n)).timestamp()))
                     for n in range(3)])
    body = dau(api, auth, start.date(), (start + timedelta(days=4)).date()).json()
    assert [d["dauCount"] for d in body["data"]] == [0, 0, 3, 0, 0]
    assert body["data"][0] == {"day": str(start.date()), "dauCount": 0, "dauByProvince": {}, "dauByCity": {}}
    assert body["total"] == 5
    assert body["summary"] == {"totalDau": 3, "avgDau": 1, "maxDau": 3, "minDau": 0}


def test_a_range_with_no_data_answers_zeros(api, auth):
    body = dau(api, auth, "2020-01-01", "2020-01-03").json()
    assert body["total"] == 3
    assert body["summary"] == {"totalDau": 0, "avgDau": 0, "maxDau": 0, "minDau": 0}


def test_province_and_city_come_from_the_first_event_of_the_day_that_names_them(api, auth):
    day = local_midnight(1)
    ts = int((day + timedelta(hours=8)).timestamp())
    # install 1: a heartbeat first (no place), then Guangzhou, then Beijing: Guangzhou wins.
    post_batch(api, [event(name="presence_heartbeat", install="install-0001", ts=ts)])
    post_batch(api, [
        event(install="install-0001", ts=ts + 20, **located("北京市", "北京市")),
        event(install="install-0001", ts=ts + 10, **located("广东省", "广州市")),
    ])
    post_batch(api, [event(install="install-0001", ts=ts + 30, **located("上海市", "上海市"))])
    # install 2: a province first, its city later.
    post_batch(api, [event(install="install-0002", ts=ts, properties={"province": "广东省"})])
    post_batch(api, [event(install="install-0002", ts=ts + 5, **located("浙江省", "深圳市"))])
    # install 3: a blank place names nothing.
    post_batch(api, [event(install="install-0003", ts=ts, **located("  ", ""))])
    body = dau(api, auth, day.date(), day.date()).json()
    assert body["data"][0] == {
        "day": str(day.date()),
        "dauCount": 3,
        "dauByProvince": {"广东省": 2},
        "dauByCity": {"广州市": 1, "深圳市": 1},
    }
    rows = {r.install_id: (r.province, r.city) for r in DailyActive.objects.all()}
    assert rows == {"install-0001": ("广东省", "广州市"), "install-0002": ("广东省", "深圳市"), "install-0003": ("", "")}


def test_maps_are_ordered_by_count_then_name(api, auth):
    day = local_midnight(1)
    ts = int((day + timedelta(hours=8)).timestamp())
    places = [("北京市", "北京市"), ("广东省", "深圳市"), ("广东省", "广州市"), ("广东省", "深圳市"), ("上海市", "上海市")]
    post_batch(api, [event(install=f"install-000{n}", ts=ts, **located(*place)) for n, place in enumerate(places)])
    row = dau(api, auth, day.date(), day.date()).json()["data"][0]
    assert list(row["dauByProvince"].items()) == [("广东省", 3), ("上海市", 1), ("北京市", 1)]
    assert list(row["dauByCity"].items()) == [("深圳市", 2), ("上海市", 1), ("北京市", 1), ("广州市", 1)]


def test_a_heartbeat_counts_an_install_without_a_place(api, auth):
    day = local_midnight(1)
    activity_mark_seen(install_id="install-0009", seen_at=day + timedelta(hours=12))
    row = dau(api, auth, day.date(), day.date()).json()["data"][0]
    assert (row["dauCount"], row["dauByProvince"], row["dauByCity"]) == (1, {}, {})


def test_a_place_named_after_a_heartbeat_moves_into_the_maps_once(api, auth):
    day = local_midnight(1)
    activity_mark_seen(install_id="install-0009", seen_at=day + timedelta(hours=12))
    ts = int((day + timedelta(hours=13)).timestamp())
    for _ in range(2):
        post_batch(api, [event(install="install-0009", ts=ts, **located("四川省", "成都市"))])
    row = dau(api, auth, day.date(), day.date()).json()["data"][0]
    assert (row["dauCount"], row["dauByProvince"], row["dauByCity"]) == (1, {"四川省": 1}, {"成都市": 1})


def test_the_same_install_on_many_events_counts_once_a_day(api, auth):
    day = local_midnight(1)
    ts = int((day + timedelta(hours=8)).timestamp())
    post_batch(api, [event(install="install-0001", ts=ts + n, **located("广东省", "深圳市")) for n in range(5)])
    post_batch(api, [event(install="install-0001", ts=ts + 100, **located("广东省", "深圳市"))])
    assert dau(api, auth, day.date(), day.date()).json()["summary"]["totalDau"] == 1
    assert DailyActiveCount.objects.get().count == 1


def test_avg_dau_is_rounded_half_up(api, auth):
    start = local_midnight(5)
    batch = [event(install="install-0001", ts=int((start + timedelta(hours=1)).timestamp())),
             event(install="install-0002", ts=int((start + timedelta(hours=2)).timestamp())),
             event(install="install-0002", ts=int((start + timedelta(days=1, hours=1)).timestamp()))]
    post_batch(api, batch)
    body = dau(api, auth, start.date(), (start + timedelta(days=1)).date()).json()
    assert body["summary"] == {"totalDau": 3, "avgDau": 2, "maxDau": 2, "minDau": 1}


def test_90_days_are_allowed_and_91_are_too_large(api, auth):
    response = dau(api, auth, "2026-01-01", "2026-03-31")
    assert response.status_code == 200
    assert response.json()["total"] == 90
    response = dau(api, auth, "2026-01-01", "2026-04-01")
    body = assert_plain_error(response, 400, "DATE_RANGE_TOO_LARGE", path=DAU_URL, method="GET")
    assert body["message"] == "日期范围过大 (最多90天)"


@pytest.mark.parametrize("query", [
    {},
    {"startDate": "2026-01-01"},
    {"endDate": "2026-01-01"},
    {"startDate": "2026/01/01", "endDate": "2026-01-02"},
    {"startDate": "2026-1-1", "endDate": "2026-01-02"},
    {"startDate": "2026-02-30", "endDate": "2026-03-02"},
    {"startDate": "2026-01-01T00:00:00Z", "endDate": "2026-01-02"},
    {"startDate": "yesterday", "endDate": "today"},
    {"startDate": "2026-01-05", "endDate": "2026-01-04"},
])
def test_bad_dates_are_invalid_date_format(api, auth, query):
    response = api.get(DAU_URL, query, **auth)
    body = assert_plain_error(response, 400, "INVALID_DATE_FORMAT", path=DAU_URL, method="GET")
    assert body["message"] == "无效的日期格式"


def test_a_token_is_required(api):
    response = api.get(DAU_URL, {"startDate": "2026-01-01", "endDate": "2026-01-01"})
    assert_plain_error(response, 401, "UNAUTHORIZED", path=DAU_URL, method="GET")


def test_a_bad_token_is_refused(api):
    response = api.get(DAU_URL, {"startDate": "2026-01-01", "endDate": "2026-01-01"},
                       HTTP_AUTHORIZATION="Bearer not-a-token")
    assert_plain_error(response, 401, "UNAUTHORIZED")


def test_30_queries_a_minute_per_user_then_429(api, auth, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "analytics_dau": "2/m"}
    for _ in range(2):
        assert dau(api, auth, "2026-01-01", "2026-01-01").status_code == 200
    response = dau(api, auth, "2026-01-01", "2026-01-01")
    assert_plain_error(response, 429, "TOO_MANY_REQUESTS")
    assert int(response["Retry-After"]) >= 1
    other = bearer_for(make_user("someone-else"))
    assert dau(api, other, "2026-01-01", "2026-01-01").status_code == 200


def test_the_default_dau_limit_is_30_per_minute(api, auth):
    response = dau(api, auth, "2026-01-01", "2026-01-01")
    assert response["RateLimit-Policy"] == '"analytics_dau";q=30;w=60'


def test_dau_is_answered_in_a_few_queries(api, auth, django_assert_max_num_queries):
    start = local_midnight(20)
    post_batch(api, [event(install=f"install-{n:04d}", ts=int((start + timedelta(days=n % 20, hours=3)).timestamp()),
                           **located(f"省{n % 5}", f"市{n % 9}")) for n in range(200)])
    # The user lookup of authentication, then three range scans.
    with django_assert_max_num_queries(4):
        body = dau(api, auth, start.date(), (start + timedelta(days=19)).date()).json()
    assert body["summary"]["totalDau"] == 200
    assert sum(sum(d["dauByProvince"].values()) for d in body["data"]) == 200


def test_the_time_zone_setting_cuts_the_days(api, auth, settings):
    settings.TIME_ZONE = "UTC"
    day = local_midnight(2)
    post_batch(api, [event(install="install-0001", ts=int((day + timedelta(hours=23, minutes=30)).timestamp()))])
    body = dau(api, auth, day.date(), day.date()).json()
    assert body["timeZone"] == "UTC"
    assert body["data"][0]["dauCount"] == 1


def test_a_repeated_query_is_served_from_the_day_cache(api, auth, django_assert_max_num_queries):
    day = local_midnight(1)
    post_batch(api, [event(install="install-0001", ts=int((day + timedelta(hours=8)).timestamp()),
                           **located("广东省", "深圳市"))])
    first = dau(api, auth, day.date(), day.date()).json()
    # The user lookup and the (count, version) rows; the maps come from the cache.
    with django_assert_max_num_queries(2):
        second = dau(api, auth, day.date(), day.date()).json()
    assert second == first


def test_new_actives_and_moved_places_show_at_once_despite_the_cache(api, auth):
    day = local_midnight(1)
    ts = int((day + timedelta(hours=8)).timestamp())
    activity_mark_seen(install_id="install-0001", seen_at=day + timedelta(hours=7))
    assert dau(api, auth, day.date(), day.date()).json()["data"][0]["dauByCity"] == {}
    post_batch(api, [event(install="install-0001", ts=ts, **located("广东省", "深圳市"))])
    row = dau(api, auth, day.date(), day.date()).json()["data"][0]
    assert (row["dauCount"], row["dauByCity"]) == (1, {"深圳市": 1})
    post_batch(api, [event(install="install-0002", ts=ts, **located("广东省", "广州市"))])
    row = dau(api, auth, day.date(), day.date()).json()["data"][0]
    assert (row["dauCount"], row["dauByProvince"], row["dauByCity"]) == (2, {"广东省": 2}, {"广州市": 1, "深圳市": 1})


def test_a_disabled_user_is_forbidden(api):
    user = make_user("disabled")
    headers = bearer_for(user)
    user.status = "inactive"
    user.save()
    response = api.get(DAU_URL, {"startDate": "2026-01-01", "endDate": "2026-01-01"}, **headers)
    assert_plain_error(response, 403, "FORBIDDEN")


def test_an_overlapping_range_reuses_the_cached_days(api, auth, django_assert_max_num_queries):
    start = local_midnight(6)
    post_batch(api, [event(install=f"install-000{n}", ts=int((start + timedelta(days=n, hours=5)).timestamp()),
                           **located("广东省", "深圳市")) for n in range(3)])
    whole = dau(api, auth, start.date(), (start + timedelta(days=2)).date()).json()
    with django_assert_max_num_queries(2):  # the user, the (count, version) rows: no map queries
        tail = dau(api, auth, (start + timedelta(days=1)).date(), (start + timedelta(days=2)).date()).json()
    assert tail["data"] == whole["data"][1:]
