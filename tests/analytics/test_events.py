"""POST /api/v1/analytics/events (seed 003 §2.1, contract §8)."""
import json
import time

import pytest

from analytics.models import DailyActive, DailyActiveCount, DailyCityCount, DailyProvinceCount, Event
from tests.analytics.helpers import EVENTS_URL, bearer_for, event, fixed_noon, make_user, post_batch
from tests.support.assertions import assert_plain_error

pytestmark = pytest.mark.django_db


def example_batch(now):
    """003 §2.1's request example, moved to `now` (its 2024 clientTs is now too old)."""
    return [
        {
            "eventName": "app_session_start",
            "installId": "uuid-xxxx-xxxx-xxxx",
            "userId": "12345",
            "clientTs": now - 120,
            "properties": {
                "os": "iOS", "osVersion": "17.0", "appVersion": "1.0.0", "deviceModel": "iPhone 15 Pro",
                "province": "广东省", "city": "深圳市",
            },
        },
        {"eventName": "presence_heartbeat", "installId": "uuid-xxxx-xxxx-xxxx", "clientTs": now - 60},
    ]


def test_the_003_example_batch_is_accepted_and_stored(api):
    now = fixed_noon()  # both events on one day, whenever the test runs
    before = time.time()
    response = post_batch(api, example_batch(now))
    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": 2, "failed": 0, "errors": [], "duplicates": 0}
    stored = list(Event.objects.order_by("client_ts"))
    assert [(e.event_name, e.install_id, e.user_id, e.event_id) for e in stored] == [
        ("app_session_start", "uuid-xxxx-xxxx-xxxx", "12345", None),
        ("presence_heartbeat", "uuid-xxxx-xxxx-xxxx", None, None),
    ]
    assert stored[0].client_ts.timestamp() == now - 120
    assert stored[0].properties["deviceModel"] == "iPhone 15 Pro"
    assert stored[1].properties is None
    # Server receive time is stored beside the client's, one for the whole batch.
    assert stored[0].received_at == stored[1].received_at
    assert before - 1 <= stored[0].received_at.timestamp() <= time.time() + 1
    active = DailyActive.objects.get()
    assert (active.install_id, active.province, active.city) == ("uuid-xxxx-xxxx-xxxx", "广东省", "深圳市")
    assert DailyActiveCount.objects.get().count == 1
    assert list(DailyProvinceCount.objects.values_list("province", "count")) == [("广东省", 1)]
    assert list(DailyCityCount.objects.values_list("city", "count")) == [("深圳市", 1)]


def test_valid_and_invalid_events_are_judged_one_by_one(api):
    now = int(time.time())
    batch = [
        event(install="install-0001", ts=now),
        event(name="1bad", install="install-0002", ts=now),
        event(install="install-0003", ts=now),
        {"eventName": "app_session_start", "clientTs": now},
        "not an object",
    ]
    response = post_batch(api, batch)
    assert response.status_code == 200
    assert response.json() == {
        "accepted": 2,
        "failed": 3,
        "errors": [
            {"index": 1, "message": "eventName must start with a letter and contain only letters, digits and "
                                    "underscores, 1-64 characters"},
            {"index": 3, "message": "installId must be a string"},
            {"index": 4, "message": "event must be an object"},
        ],
        "duplicates": 0,
    }
    assert sorted(Event.objects.values_list("install_id", flat=True)) == ["install-0001", "install-0003"]
    assert DailyActiveCount.objects.get().count == 2


def test_a_batch_of_only_invalid_events_stores_nothing_and_answers_200(api):
    response = post_batch(api, [event(name="")])
    assert response.status_code == 200
    assert response.json()["accepted"] == 0 and response.json()["failed"] == 1
    assert not Event.objects.exists() and not DailyActive.objects.exists()


def ahead(seconds):
    """A clientTs `seconds` after the test's own now (taken when the test runs, not at collection)."""
    return lambda now: now + seconds


@pytest.mark.parametrize("fields, message", [
    ({"eventName": None}, "eventName must be a string"),
    ({"eventName": 5}, "eventName must be a string"),
    ({"eventName": ""}, "eventName must start with a letter and contain only letters, digits and underscores, 1-64 characters"),
    ({"eventName": "_start"}, "eventName must start with a letter and contain only letters, digits and underscores, 1-64 characters"),
    ({"eventName": "app-start"}, "eventName must start with a letter and contain only letters, digits and underscores, 1-64 characters"),
    ({"eventName": "a" * 65}, "eventName must start with a letter and contain only letters, digits and underscores, 1-64 characters"),
    ({"installId": "short"}, "installId must be 8-64 characters of letters, digits, '_' or '-'"),
    ({"installId": "x" * 65}, "installId must be 8-64 characters of letters, digits, '_' or '-'"),
    ({"installId": "has space!"}, "installId must be 8-64 characters of letters, digits, '_' or '-'"),
    ({"installId": 12345678}, "installId must be a string"),
    ({"userId": True}, "userId must be a string or an integer"),
    ({"userId": 1.5}, "userId must be a string or an integer"),
    ({"userId": {"id": 1}}, "userId must be a string or an integer"),
    ({"userId": ""}, "userId must be 1-64 characters"),
    ({"userId": "u" * 65}, "userId must be 1-64 characters"),
    ({"eventId": 7}, "eventId must be a string"),
    ({"eventId": ""}, "eventId must be 1-64 characters"),
    ({"eventId": "e" * 65}, "eventId must be 1-64 characters"),
    ({"clientTs": None}, "clientTs must be a number"),
    ({"clientTs": "1732685100"}, "clientTs must be a number"),
    ({"clientTs": True}, "clientTs must be a number"),
    ({"clientTs": ahead(3600)}, "clientTs must not be more than 600 seconds ahead of server time"),
    # Just past the limit, with room for the seconds a busy machine takes between the test's clock and the server's.
    ({"clientTs": ahead(605)}, "clientTs must not be more than 600 seconds ahead of server time"),
    ({"clientTs": ahead(-31 * 86400)}, "clientTs must not be older than 30 days"),
    ({"clientTs": 10 ** 30}, "clientTs must not be more than 600 seconds ahead of server time"),
    ({"properties": ["os", "iOS"]}, "properties must be an object"),
    ({"properties": "iOS"}, "properties must be an object"),
    ({"properties": {"blob": "x" * 8200}}, "properties must not exceed 8192 bytes as JSON"),
])
def test_each_event_rule_has_its_message(api, fields, message):
    now = int(time.time())
    body = event(ts=now)
    body.update({name: value(now) if callable(value) else value for name, value in fields.items()})
    if fields.get("eventName", "") is None:
        del body["eventName"]
    response = post_batch(api, [body])
    assert response.status_code == 200
    assert response.json() == {"accepted": 0, "failed": 1, "errors": [{"index": 0, "message": message}], "duplicates": 0}
    assert not Event.objects.exists()


def test_the_edges_of_the_rules_are_accepted(api):
    now = int(time.time())
    largest = {"k": "é" * ((8192 - len('{"k":""}')) // 2)}  # exactly 8,192 bytes of UTF-8 JSON
    assert len(json.dumps(largest, ensure_ascii=False, separators=(",", ":")).encode()) == 8192
    batch = [
        event(name="a", install="a" * 8, ts=now + 590),
        event(name="A" + "b_9" * 21, install="Z-_9" * 16, ts=now - 29 * 86400, userId="u" * 64, eventId="e" * 64),
        event(ts=now - 10.5, properties=largest),
    ]
    response = post_batch(api, batch)
    assert response.json() == {"accepted": 3, "failed": 0, "errors": [], "duplicates": 0}


def test_a_numeric_user_id_is_stored_as_a_string(api):
    assert post_batch(api, [event(userId=12345)]).json()["accepted"] == 1
    assert Event.objects.get().user_id == "12345"


def test_unknown_event_fields_are_ignored(api):
    assert post_batch(api, [event(extra="ignored")]).json()["accepted"] == 1


def test_duplicates_within_a_batch_are_stored_once(api):
    batch = [event(eventId="evt-1"), event(eventId="evt-1"), event(eventId="evt-2"), event()]
    response = post_batch(api, batch)
    assert response.json() == {"accepted": 4, "failed": 0, "errors": [], "duplicates": 1}
    assert Event.objects.count() == 3


def test_a_retried_batch_is_accepted_again_and_stored_once(api):
    batch = [event(eventId="evt-1"), event(eventId="evt-2", install="install-0002")]
    assert post_batch(api, batch).json()["duplicates"] == 0
    response = post_batch(api, batch + [event(eventId="evt-3")])
    assert response.json() == {"accepted": 3, "failed": 0, "errors": [], "duplicates": 2}
    assert sorted(Event.objects.values_list("event_id", flat=True)) == ["evt-1", "evt-2", "evt-3"]
    assert DailyActiveCount.objects.get().count == 2


def test_the_same_event_id_from_another_install_is_not_a_duplicate(api):
    response = post_batch(api, [event(eventId="evt-1"), event(install="install-0002", eventId="evt-1")])
    assert response.json()["duplicates"] == 0
    assert Event.objects.count() == 2


def test_events_without_event_id_are_never_deduplicated(api):
    same = event(ts=int(time.time()) - 5)
    assert post_batch(api, [same, same]).json()["duplicates"] == 0
    assert Event.objects.count() == 2


@pytest.mark.parametrize("payload, messages", [
    ({}, ["events should not be empty", "events must be an array"]),
    ({"events": None}, ["events should not be empty", "events must be an array"]),
    ({"events": {"eventName": "x"}}, ["events must be an array"]),
    ({"events": "[]"}, ["events must be an array"]),
    ({"events": []}, ["events must contain at least 1 elements"]),
    ([{"eventName": "x"}], ["request body must be a JSON object"]),
])
def test_a_malformed_batch_is_refused_whole(api, payload, messages):
    response = api.post(EVENTS_URL, payload, format="json")
    body = assert_plain_error(response, 400, "VALIDATION_ERROR", path=EVENTS_URL, method="POST")
    assert body["message"] == messages


def test_a_body_that_is_not_json_is_a_validation_error(api):
    response = api.post(EVENTS_URL, b'{"events": [', content_type="application/json")
    assert_plain_error(response, 400, "VALIDATION_ERROR")
    assert not Event.objects.exists()


def test_more_than_500_events_is_refused_whole(api):
    response = post_batch(api, [event(install=f"install-{n:04d}") for n in range(501)])
    body = assert_plain_error(response, 400, "VALIDATION_ERROR")
    assert body["message"] == ["events must contain no more than 500 elements"]
    assert not Event.objects.exists()


def test_500_events_are_stored_in_one_insert(api, django_assert_max_num_queries):
    now = fixed_noon()  # 500 seconds before noon stay on one day
    batch = [event(install=f"install-{n:04d}", ts=now - n, eventId=f"e{n}",
                   properties={"province": f"省{n % 34}", "city": f"市{n % 300}"}) for n in range(500)]
    # One event insert, one actives insert, three count upserts; plus savepoints.
    with django_assert_max_num_queries(8):
        response = post_batch(api, batch)
    assert response.json() == {"accepted": 500, "failed": 0, "errors": [], "duplicates": 0}
    assert Event.objects.count() == 500
    assert DailyActive.objects.count() == 500
    assert sum(DailyProvinceCount.objects.values_list("count", flat=True)) == 500
    assert DailyCityCount.objects.count() == 300


def test_a_body_over_1_mb_is_refused_with_413(api):
    padding = "x" * (1024 * 1024)
    response = api.post(EVENTS_URL, json.dumps({"events": [event(properties={"p": padding})]}),
                        content_type="application/json")
    assert_plain_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert not Event.objects.exists()


def test_no_token_is_needed_and_a_bad_token_is_ignored(api):
    assert post_batch(api, [event()]).status_code == 200
    assert post_batch(api, [event()], HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 200
    user = make_user()
    assert post_batch(api, [event()], **bearer_for(user)).status_code == 200
    assert Event.objects.count() == 3


def test_100_batches_a_minute_per_ip_then_429(api, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "analytics_events": "3/m"}
    for remaining in (2, 1, 0):
        response = post_batch(api, [event()], REMOTE_ADDR="10.1.1.1")
        assert response.status_code == 200
        assert response["X-RateLimit-Limit"] == "3"
        assert response["X-RateLimit-Remaining"] == str(remaining)
    response = post_batch(api, [event()], REMOTE_ADDR="10.1.1.1")
    assert_plain_error(response, 429, "TOO_MANY_REQUESTS")
    assert int(response["Retry-After"]) >= 1
    assert post_batch(api, [event()], REMOTE_ADDR="10.1.1.2").status_code == 200
    assert Event.objects.count() == 4


def test_the_default_events_limit_is_100_per_minute(api):
    response = post_batch(api, [event()])
    assert response["X-RateLimit-Limit"] == "100"
    assert response["RateLimit-Policy"] == '"analytics_events";q=100;w=60'


def test_only_post_is_allowed(api):
    assert_plain_error(api.get(EVENTS_URL), 405, "METHOD_NOT_ALLOWED")


def test_an_empty_body_is_a_validation_error(api):
    response = api.post(EVENTS_URL, b"", content_type="application/json")
    body = assert_plain_error(response, 400, "VALIDATION_ERROR")
    assert body["message"] == ["events should not be empty", "events must be an array"]


def test_a_body_that_is_not_declared_json_is_415(api):
    response = api.post(EVENTS_URL, b'{"events": []}', content_type="text/plain")
    assert_plain_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize("fields, message", [
    ({"userId": "user\u0000"}, "userId 不能含有 NUL 字符 (\\u0000)"),
    ({"userId": "user\ud800"}, "userId 不能含有未配对的代理字符 (\\ud800-\\udfff)"),
    ({"eventId": "evt\u0000"}, "eventId 不能含有 NUL 字符 (\\u0000)"),
    ({"eventId": "evt\udfff"}, "eventId 不能含有未配对的代理字符 (\\ud800-\\udfff)"),
    ({"properties": {"os": "iOS\u0000"}}, "properties 中的文本不能含有 NUL 字符 (\\u0000)"),
    ({"properties": {"k\u0000": 1}}, "properties 中的文本不能含有 NUL 字符 (\\u0000)"),
    ({"properties": {"list": [{"deep": "\u0000"}]}}, "properties 中的文本不能含有 NUL 字符 (\\u0000)"),
    ({"properties": {"city": "\ud800"}}, "properties 中的文本不能含有未配对的代理字符 (\\ud800-\\udfff)"),
    ({"properties": {"\udc00": 1}}, "properties 中的文本不能含有未配对的代理字符 (\\ud800-\\udfff)"),
])
def test_text_the_database_cannot_store_is_refused_per_event(api, fields, message):
    body = event()
    body.update(fields)
    raw = json.dumps({"events": [body, event(install="install-0002")]})  # ASCII escapes survive as sent
    response = api.post(EVENTS_URL, raw, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["errors"] == [{"index": 0, "message": message}]
    assert list(Event.objects.values_list("install_id", flat=True)) == ["install-0002"]


def test_an_escaped_backslash_u0000_is_ordinary_text(api):
    raw = json.dumps({"events": [event(properties={"note": "\\u0000"})]})
    assert api.post(EVENTS_URL, raw, content_type="application/json").json()["accepted"] == 1
    assert Event.objects.get().properties == {"note": "\\u0000"}
