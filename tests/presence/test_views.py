"""The four endpoints of seed 003 §1 on the wire: bodies, errors, auth and limits, on both stores."""
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from analytics.models import DailyActive
from core.timeutil import utc_now
from presence.models import PresenceSnapshot
from tests.support.assertions import ISO_MS_Z, assert_plain_error

HEARTBEAT = "/api/v1/presence/heartbeat"
COUNT = "/api/v1/presence/online-count"
HISTORY = "/api/v1/presence/online-history"


def beat(api, install_id="install-0001", **overrides):
    body = {"installId": install_id, "appVersion": "1.0.0", "clientTs": 1732685100, **overrides}
    return api.post(HEARTBEAT, body, format="json")


# --- heartbeat ---------------------------------------------------------------------------

def test_a_heartbeat_answers_ok_with_the_server_time_in_ms(user_api, store_name):
    before = int(utc_now().timestamp() * 1000)
    response = beat(user_api)
    after = int(utc_now().timestamp() * 1000)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"ok", "serverTs"} and body["ok"] is True
    assert before <= body["serverTs"] <= after


def test_n_distinct_installs_make_the_online_count_n(user_api, store_name):
    for n in range(7):
        assert beat(user_api, f"install-{n:04d}").status_code == 200
    for _ in range(3):
        beat(user_api, "install-0000")  # the same install again changes nothing
    body = user_api.get(COUNT).json()
    assert body["count"] == 7 and body["windowSeconds"] == 180
    assert ISO_MS_Z.match(body["queriedAt"])


def test_the_client_clock_is_ignored(user_api, store_name, server_clock):
    # The server time comes from the test: a one-second window is exact, not a race with the wall clock.
    beat(user_api, clientTs=0)  # a client whose clock says 1970 is still online now
    beat(user_api, "install-0002", clientTs=4102444800)
    assert user_api.get(COUNT, {"windowSeconds": 1}).json()["count"] == 2
    server_clock.advance(2)  # both were seen in second S; a 1 s window at S + 2 counts from S + 1
    assert user_api.get(COUNT, {"windowSeconds": 1}).json()["count"] == 0
    assert user_api.get(COUNT, {"windowSeconds": 2}).json()["count"] == 2


def test_a_heartbeat_marks_the_install_active_for_the_day_once(user_api, store_name, django_assert_num_queries):
    beat(user_api)
    today = timezone.localdate()
    assert list(DailyActive.objects.values_list("day", "install_id")) == [(today, "install-0001")]
    # The common path: the JWT user lookup, plus the upsert on the database store; nothing else.
    with django_assert_num_queries(1 if store_name == "redis" else 2):
        assert beat(user_api).status_code == 200
    assert DailyActive.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "messages"),
    [
        ({"appVersion": "1.0.0", "clientTs": 1}, ["installId should not be empty"]),
        ({"installId": 12345678, "appVersion": "1.0.0", "clientTs": 1}, ["installId must be a string"]),
        ({"installId": "short", "appVersion": "1.0.0", "clientTs": 1},
         ["installId must be longer than or equal to 8 characters"]),
        ({"installId": "x" * 65, "appVersion": "1.0.0", "clientTs": 1},
         ["installId must be shorter than or equal to 64 characters"]),
        ({"installId": "install id!", "appVersion": "1.0.0", "clientTs": 1},
         ["installId must match /^[A-Za-z0-9_-]+$/ regular expression"]),
        ({"installId": "install-0001\n", "appVersion": "1.0.0", "clientTs": 1},
         ["installId must match /^[A-Za-z0-9_-]+$/ regular expression"]),
        ({"installId": "install-0001", "clientTs": 1}, ["appVersion should not be empty"]),
        ({"installId": "install-0001", "appVersion": "", "clientTs": 1}, ["appVersion should not be empty"]),
        ({"installId": "install-0001", "appVersion": 1, "clientTs": 1}, ["appVersion must be a string"]),
        ({"installId": "install-0001", "appVersion": "v" * 33, "clientTs": 1},
         ["appVersion must be shorter than or equal to 32 characters"]),
        ({"installId": "install-0001", "appVersion": "1.0.0"}, ["clientTs should not be empty"]),
        ({"installId": "install-0001", "appVersion": "1.0.0", "clientTs": "1732685100"}, ["clientTs must be a number"]),
        ({"installId": "install-0001", "appVersion": "1.0.0", "clientTs": True}, ["clientTs must be a number"]),
        ({"installId": "install-0001", "appVersion": "1.0.0", "clientTs": None}, ["clientTs must be a number"]),
        ({}, ["installId should not be empty", "appVersion should not be empty", "clientTs should not be empty"]),
    ],
)
def test_an_invalid_heartbeat_is_a_validation_error_listing_every_message(user_api, body, messages):
    response = user_api.post(HEARTBEAT, body, format="json")
    payload = assert_plain_error(response, 400, "VALIDATION_ERROR", HEARTBEAT, "POST")
    assert payload["message"] == messages


def test_a_heartbeat_body_that_is_not_an_object_or_not_json_is_a_validation_error(user_api):
    response = user_api.post(HEARTBEAT, [1, 2], format="json")
    assert_plain_error(response, 400, "VALIDATION_ERROR")
    response = user_api.generic("POST", HEARTBEAT, b"{not json", content_type="application/json")
    assert_plain_error(response, 400, "VALIDATION_ERROR")


def test_a_rejected_heartbeat_counts_no_one(user_api, store_name):
    beat(user_api, "bad id")
    assert user_api.get(COUNT).json()["count"] == 0


# --- auth ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), [("post", HEARTBEAT), ("get", COUNT), ("get", HISTORY)])
def test_every_presence_endpoint_needs_a_token(db, method, path):
    response = getattr(APIClient(), method)(path)
    payload = assert_plain_error(response, 401, "UNAUTHORIZED", path, method.upper())
    assert payload["message"] == "Unauthorized"


@pytest.mark.parametrize("header", ["Bearer not-a-jwt", "Basic abc", "Bearer"])
def test_a_bad_token_is_401_unauthorized(db, header):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    assert_plain_error(beat(api), 401, "UNAUTHORIZED")


def test_an_inactive_user_is_refused(user, user_api):
    user.status = "inactive"
    user.save(update_fields=["status"])
    assert_plain_error(beat(user_api), 403, "FORBIDDEN")


# --- online count --------------------------------------------------------------------------

def test_online_count_takes_the_window_asked_for(user_api, store_name, server_clock):
    beat(user_api)
    body = user_api.get(COUNT, {"windowSeconds": "3600"}).json()
    assert (body["count"], body["windowSeconds"]) == (1, 3600)
    server_clock.advance(1799)
    assert user_api.get(COUNT, {"windowSeconds": "1800"}).json()["count"] == 1
    assert user_api.get(COUNT, {"windowSeconds": "1798"}).json()["count"] == 0
    body = user_api.get(COUNT, {"windowSeconds": "1"}).json()
    assert (body["count"], body["windowSeconds"]) == (0, 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "windowSeconds must not be less than 1"),
        ("-5", "windowSeconds must not be less than 1"),
        ("3601", "windowSeconds must not be greater than 3600"),
        ("abc", "windowSeconds must be an integer number"),
        ("1.5", "windowSeconds must be an integer number"),
    ],
)
def test_online_count_refuses_a_window_out_of_bounds(user_api, value, message):
    response = user_api.get(COUNT, {"windowSeconds": value})
    payload = assert_plain_error(response, 400, "VALIDATION_ERROR", COUNT, "GET")
    assert payload["message"] == [message]


# --- online history ------------------------------------------------------------------------

def snap(minute: datetime, count: int):
    PresenceSnapshot.objects.create(minute=minute, count=count, window_seconds=180, taken_at=minute)


def test_history_answers_aligned_buckets_with_rounded_means(user_api):
    base = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    for minute, count in [(0, 10), (1, 11), (4, 12), (5, 20), (12, 7), (13, 8)]:
        snap(base + timedelta(minutes=minute), count)
    response = user_api.get(HISTORY, {"startTime": "2026-01-01T12:02:10Z", "endTime": "2026-01-01T12:13:00Z"})
    assert response.status_code == 200
    assert response.json() == {
        "data": [
            {"ts": "2026-01-01T12:00:00.000Z", "count": 11},  # (10 + 11 + 12) / 3
            {"ts": "2026-01-01T12:05:00.000Z", "count": 20},
            {"ts": "2026-01-01T12:10:00.000Z", "count": 8},  # 7.5 rounds half up
        ],
        "interval": "5m",
        "startTime": "2026-01-01T12:00:00.000Z",
        "endTime": "2026-01-01T12:15:00.000Z",
        "total": 3,
        "summary": {"max": 20, "min": 8, "avg": 13},  # (11 + 20 + 8) / 3
    }


def test_history_with_no_snapshots_is_empty_with_a_zero_summary(user_api):
    response = user_api.get(
        HISTORY, {"startTime": "2026-01-01T00:00:00Z", "endTime": "2026-01-01T01:00:00Z", "interval": "1h"})
    assert response.json() == {
        "data": [], "interval": "1h", "startTime": "2026-01-01T00:00:00.000Z",
        "endTime": "2026-01-01T01:00:00.000Z", "total": 0, "summary": {"max": 0, "min": 0, "avg": 0},
    }


def test_history_reads_offsets_and_a_forgotten_plus_sign(user_api):
    snap(datetime(2026, 1, 1, 4, 0, tzinfo=UTC), 5)
    for start in ["2026-01-01T12:00:00+08:00", "2026-01-01T12:00:00 08:00", "2026-01-01T04:00:00"]:
        body = user_api.get(HISTORY, {"startTime": start, "endTime": "2026-01-01T04:30:00Z", "interval": "1m"}).json()
        assert body["startTime"] == "2026-01-01T04:00:00.000Z" and body["total"] == 1, start


@pytest.mark.parametrize(
    "params",
    [
        {"endTime": "2026-01-01T01:00:00Z"},
        {"startTime": "2026-01-01T00:00:00Z"},
        {"startTime": "yesterday", "endTime": "2026-01-01T01:00:00Z"},
        {"startTime": "2026-13-01T00:00:00Z", "endTime": "2026-01-01T01:00:00Z"},
        {"startTime": "2026-01-01T01:00:00Z", "endTime": "2026-01-01T01:00:00Z"},
        {"startTime": "2026-01-01T02:00:00Z", "endTime": "2026-01-01T01:00:00Z"},
        {"startTime": "2026-01-01T00:00:00Z", "endTime": "2026-02-01T00:00:01Z"},
        {"startTime": "0001-01-01T00:00:00Z", "endTime": "0001-01-02T00:00:00Z"},
        {"startTime": "9999-12-30T00:00:00Z", "endTime": "9999-12-31T23:59:59Z"},
    ],
)
def test_history_refuses_a_bad_time_range(user_api, params):
    response = user_api.get(HISTORY, params)
    payload = assert_plain_error(response, 400, "INVALID_TIME_RANGE", HISTORY, "GET")
    assert payload["message"].startswith("无效的时间范围")


def test_history_accepts_exactly_31_days(user_api):
    response = user_api.get(HISTORY, {"startTime": "2026-01-01T00:00:00Z", "endTime": "2026-02-01T00:00:00Z"})
    assert response.status_code == 200


@pytest.mark.parametrize("interval", ["2m", "", "1H", "60m", "1d"])
def test_history_refuses_an_interval_not_offered(user_api, interval):
    response = user_api.get(
        HISTORY, {"startTime": "2026-01-01T00:00:00Z", "endTime": "2026-01-01T01:00:00Z", "interval": interval})
    payload = assert_plain_error(response, 400, "INVALID_INTERVAL", HISTORY, "GET")
    assert payload["message"].startswith("无效的聚合间隔")


# --- limits (seed 003 §6, per user) --------------------------------------------------------

@pytest.mark.parametrize(
    ("path", "limit", "policy"),
    [(HEARTBEAT, 60, "presence_heartbeat"), (COUNT, 120, "presence_online_count"),
     (HISTORY, 30, "presence_online_history")],
)
def test_each_endpoint_has_the_seed_limit_per_user(user_api, other_user_api, store_name, path, limit, policy):
    def call(api):
        if path == HEARTBEAT:
            return beat(api)
        if path == HISTORY:
            return api.get(path, {"startTime": "2026-01-01T00:00:00Z", "endTime": "2026-01-01T01:00:00Z"})
        return api.get(path)

    for n in range(limit):
        response = call(user_api)
        assert response.status_code == 200, n
    assert response["X-RateLimit-Limit"] == str(limit)
    assert response["X-RateLimit-Remaining"] == "0"
    assert response["RateLimit-Policy"] == f'"{policy}";q={limit};w=60'
    refused = call(user_api)
    payload = assert_plain_error(refused, 429, "TOO_MANY_REQUESTS", path)
    assert payload["message"] == "ThrottlerException: Too Many Requests"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert call(other_user_api).status_code == 200  # another user has a window of their own


def test_limits_are_read_from_settings(user_api, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "presence_online_count": "2/m"}
    assert [user_api.get(COUNT).status_code for _ in range(3)] == [200, 200, 429]


# --- health --------------------------------------------------------------------------------

def test_presence_health_answers_the_seed_body_without_auth(db, store_name):
    response = APIClient().get("/api/v1/presence/health")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "service", "timestamp"}
    assert (body["status"], body["service"]) == ("ok", "presence-service")
    assert ISO_MS_Z.match(body["timestamp"])
    assert response["Cache-Control"] == "no-store"


def test_presence_health_is_503_when_the_redis_store_is_down(db, redis_url, settings):
    import copy

    settings.PRESENCE_STORE = "redis"
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = "redis://127.0.0.1:1/0"
    settings.CACHES = caches
    assert_plain_error(APIClient().get("/api/v1/presence/health"), 503, "SERVICE_UNAVAILABLE")


def test_heartbeat_and_count_answer_503_when_the_redis_store_is_down(user_api, redis_url, settings):
    import copy

    settings.PRESENCE_STORE = "redis"
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = "redis://127.0.0.1:1/0"
    settings.CACHES = caches
    assert_plain_error(beat(user_api), 503, "SERVICE_UNAVAILABLE", HEARTBEAT)
    assert_plain_error(user_api.get(COUNT), 503, "SERVICE_UNAVAILABLE", COUNT)
