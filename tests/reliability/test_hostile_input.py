"""
Hostile input on every surface that takes a body (issue 8, part 2): each kind
of bad body gets its surface's documented 4xx, never a 500, and nothing is
half-written. The query side (filters, keyword, windows, dates) follows.

Cases already covered inside an app's own tests (e.g. tests/accounts/test_hostile_input.py)
are not repeated one by one here; this file runs the same matrix on all of them at once.
"""
import json

from django.contrib.auth import get_user_model
import pytest

from accounts.tokens import token_issue
from analytics.models import DailyActive, Event
from presence.models import OnlineInstall
from procurement import services as procurement_services
from procurement.models import Intent
from tests.procurement.conftest import SignedClient
from tests.support.assertions import assert_accounts_error, assert_partner_error, assert_plain_error

pytestmark = pytest.mark.django_db
User = get_user_model()

DEEP = 1_500  # past Python's recursion limit (1,000), inside the 10 KB accounts body limit


# (name, raw body bytes, content type): each must be refused.
HOSTILE = [
    ("malformed_json", b'{"userId": ', "application/json"),
    ("trailing_garbage", b'{"a": 1} x', "application/json"),
    ("invalid_utf8", b'{"userId": "\xff\xfe\xfa"}', "application/json"),
    ("nan", b'{"price": NaN, "clientTs": NaN, "password": NaN}', "application/json"),
    ("infinity", b'{"price": Infinity, "clientTs": -Infinity}', "application/json"),
    ("deep_array", b"[" * DEEP + b"]" * DEEP, "application/json"),
    ("deep_object", b'{"a":' * DEEP + b"1" + b"}" * DEEP, "application/json"),
    ("json_null", b"null", "application/json"),
    ("json_string", b'"text"', "application/json"),
    ("json_number", b"1e999", "application/json"),
    ("empty_body", b"", "application/json"),
    ("text_plain", b'{"a": 1}', "text/plain"),
    ("form", b"a=1&b=2", "application/x-www-form-urlencoded"),
    ("multipart", b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n", "multipart/form-data; boundary=x"),
    ("utf16_json", '{"a": 1}'.encode("utf-16"), "application/json"),
]
UNSUPPORTED = {"text_plain", "form", "multipart"}
# The partner surface's documented answers where "no data" is not a format error: no body at
# all is a create whose required fields are missing (40002, contract §2), and an empty update
# changes nothing (200). A body that is JSON `null` is a body of the wrong type: 40003.
PARTNER_EXCEPTIONS = {
    ("POST", "empty_body"): (400, 40002),
    ("PUT", "empty_body"): (200, 0), ("PATCH", "empty_body"): (200, 0),
}


@pytest.fixture
def world(api, settings):
    """One of each caller, and the row counts that must not move."""
    settings.PARTNER_CREDENTIALS_CACHE_SECONDS = 0
    app, secret = procurement_services.partner_app_create(name="Hostile", app_id="hostile_app")
    intent = procurement_services.intent_create(app=app, user_id="u1", platform="JD", product_url="https://jd.com/1")
    user = User.objects.create_user("hostile-user", "hostile-pass-1")
    return {"signed": SignedClient(api, app.app_id, secret), "intent": intent,
            "auth": {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user)}"}, "user": user}


def _counts():
    return (Intent.objects.count(), User.objects.count(), Event.objects.count(),
            OnlineInstall.objects.count(), DailyActive.objects.count())


def _send(api, world, surface, body, content_type):
    method, path = surface
    if path.startswith("/api/v1/intents"):
        path = path.replace("{id}", world["intent"].id)
        client = world["signed"]
        # Signed over the very bytes sent, so that only the body is wrong.
        return client.api.generic(method, path, data=body, content_type=content_type, REMOTE_ADDR="127.0.0.1",
                                  **_signed_meta(client, method, path, body))
    extra = world["auth"] if path in {"/api/v1/users/profile", "/api/v1/presence/heartbeat",
                                      "/api/v1/analytics/events"} else {}
    return api.generic(method, path, data=body, content_type=content_type, **extra)


def _signed_meta(client, method, path, body):
    from core.signing import signed_headers

    headers = signed_headers(client.app_id, client.secret, method, path, body, client._fresh_ms())
    return {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items() if name != "Content-Type"}


PARTNER = [("POST", "/api/v1/intents"), ("PUT", "/api/v1/intents/{id}"), ("PATCH", "/api/v1/intents/{id}")]
ACCOUNTS = [("POST", "/api/v1/auth/register"), ("POST", "/api/v1/auth/login"), ("PUT", "/api/v1/users/profile")]
PLAIN = [("POST", "/api/v1/presence/heartbeat"), ("POST", "/api/v1/analytics/events")]


@pytest.mark.parametrize("name, body, content_type", HOSTILE, ids=[case[0] for case in HOSTILE])
@pytest.mark.parametrize("surface", PARTNER + ACCOUNTS + PLAIN, ids=lambda s: f"{s[0]} {s[1]}")
def test_a_hostile_body_gets_its_surfaces_4xx_and_writes_nothing(api, world, surface, name, body, content_type):
    before = _counts()
    response = _send(api, world, surface, body, content_type)
    status = 415 if name in UNSUPPORTED else 400
    path = surface[1]
    if path.startswith("/api/v1/intents"):
        status, code = PARTNER_EXCEPTIONS.get((surface[0], name), (status, 40003))
        assert_partner_error(response, status, code)
    elif path.startswith(("/api/v1/auth/", "/api/v1/users/")):
        assert_accounts_error(response, status)
    else:
        assert_plain_error(response, status, "UNSUPPORTED_MEDIA_TYPE" if status == 415 else "VALIDATION_ERROR")
    assert _counts() == before
    assert Intent.objects.get(id=world["intent"].id).user_id == "u1"


# --- values ---------------------------------------------------------------------------------

def _intent_body(**fields):
    return {"userId": "u2", "platform": "TAOBAO", "productUrl": "https://item.taobao.com/item.htm?id=9", **fields}


@pytest.mark.parametrize("raw_field, code", [
    (b'"price": 1e309', 40003), (b'"price": 1e400', 40003), (b'"price": -1', 40001), (b'"price": 0', 40001),
    (b'"price": 100000000000000000000000000000000000000', 40001), (b'"price": "NaN"', 40003),
    (b'"price": "Infinity"', 40003), (b'"price": "-0.001"', 40001), (b'"price": 1.005', 40001),
    (b'"quantity": 1000000000000000000000000000000', 40001), (b'"quantity": -1', 40001),
    (b'"quantity": 0', 40001), (b'"quantity": 1e309', 40003),
    (b'"userId": "' + b"x" * 100_000 + b'"', 40001), (b'"title": "' + b"t" * 201 + b'"', 40001),
    (b'"remark": "' + b"r" * 501 + b'"', 40001), (b'"productUrl": "https://a.b/' + b"p" * 2048 + b'"', 40001),
    (b'"title": "a\\u0000b"', 40001), (b'"userId": "\\u0000"', 40001), (b'"title": "\\ud800"', 40001),
    (b'"productUrl": "javascript:alert(1)"', 40001), (b'"productUrl": "file:///etc/passwd"', 40001),
    (b'"platform": "taobao"', 40001), (b'"platform": "TAOBAO\\u0000"', 40001),
])
def test_a_hostile_intent_value_is_refused_with_its_code_and_stores_nothing(world, raw_field, code):
    body = b'{"userId": "u2", "platform": "TAOBAO", "productUrl": "https://item.taobao.com/item.htm?id=9", ' + raw_field + b"}"
    before = _counts()
    response = world["signed"].post("/api/v1/intents", body)
    assert_partner_error(response, 400, code)
    assert _counts() == before


def test_duplicate_keys_take_the_last_value_as_json_parse_does(world):
    body = b'{"userId": "first", "userId": "last", "platform": "JD", "productUrl": "https://jd.com/dup"}'
    response = world["signed"].post("/api/v1/intents", body)
    assert response.status_code == 201, response.content
    assert response.json()["data"]["userId"] == "last"
    assert Intent.objects.filter(user_id="last").count() == 1 and not Intent.objects.filter(user_id="first").exists()


UNICODE_EDGES = [
    "😀👩‍👩‍👧‍👦🇨🇳",        # astral plane, ZWJ sequence, flags
    "e\u0301 \u00e9",             # combining and precomposed forms are kept apart
    "\u202eevil\u202c",           # bidi override
    "a\u200bb\ufeffc",            # zero-width space, BOM in the middle
    "中文标题 \u3000 全角",        # CJK and ideographic space
    "\U0010fffd",                 # the last private-use code point
]


@pytest.mark.parametrize("text", UNICODE_EDGES)
def test_unicode_edge_cases_are_stored_and_answered_exactly(world, text):
    response = world["signed"].post("/api/v1/intents", _intent_body(title=text, productUrl=f"https://jd.com/{len(text)}"))
    assert response.status_code == 201, response.content
    intent_id = response.json()["data"]["id"]
    assert Intent.objects.get(id=intent_id).title == text
    assert world["signed"].get(f"/api/v1/intents/{intent_id}").json()["data"]["title"] == text


# --- query strings: SQL and LIKE metacharacters ---------------------------------------------

SQLISH = ["%", "_", "\\", "'", "\"", "' OR '1'='1", "%' OR 1=1 --", "'; DROP TABLE procurement_intent; --",
          "\\%", "[a-z]", "*", "?", "%%", "100%_off"]


@pytest.mark.parametrize("needle", SQLISH)
def test_like_filter_takes_metacharacters_literally(world, needle):
    from urllib.parse import quote

    signed = world["signed"]
    for n, title in enumerate(["plain title", f"has {needle} inside", "another"]):
        assert signed.post("/api/v1/intents", _intent_body(title=title, productUrl=f"https://jd.com/like{n}")).status_code == 201
    response = signed.get(f"/api/v1/intents?filter[title][like]={quote(needle, safe='')}")
    assert response.status_code == 200, response.content
    assert [item["title"] for item in response.json()["data"]["items"]] == [f"has {needle} inside"]
    assert Intent.objects.count() == 4  # the world's intent and these three: nothing dropped


@pytest.mark.parametrize("needle", SQLISH)
def test_admin_keyword_takes_metacharacters_literally(api, world, needle):
    staff = User.objects.create_user("kw-staff", "kw-pass-123", is_staff=True)
    User.objects.create_user(f"x{needle}y"[:150].replace(" ", "").replace("@", ""), "kw-pass-123", nickname=f"nick {needle} end")
    response = api.get("/api/v1/admin/users/search", {"keyword": needle}, HTTP_AUTHORIZATION=f"Bearer {token_issue(user=staff)}")
    assert response.status_code == 200, response.content
    users = response.json()["data"]["users"]
    assert users and all(
        needle.lower() in " ".join(str(user[f] or "") for f in ("username", "nickname", "email", "phone")).lower()
        for user in users)


@pytest.mark.parametrize("query", [
    "filter[title][like]=a%00b", "filter[userId]=%00", "sortBy=createdAt;DROP", "filter[price][gte]=NaN",
    "filter[price][gte]=Infinity", "filter[price][lte]=1e309", "page=-1", "page=99999999999999999999999",
    "pageSize=1e3", "filter[createdAt][gte]=not-a-date", "startTime=%ff%fe", "filter[title][regex]=.*",
    "filter[title]][like]=a", "filter[[title]=a", "fields=id,__class__",
])
def test_hostile_list_queries_are_400(world, query):
    response = world["signed"].get(f"/api/v1/intents?{query}")
    assert response.status_code == 400, (query, response.content)
    assert response.json()["code"] in {40001, 40003}


@pytest.mark.parametrize("window", ["NaN", "Infinity", "1e309", "-1", "0", "99999999999999999999", "1.5", "%00", ""])
def test_hostile_online_count_windows_are_400(api, world, window):
    response = api.get(f"/api/v1/presence/online-count?windowSeconds={window}", **world["auth"])
    assert_plain_error(response, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize("start", ["NaN", "%00", "9999999999999999999999", "2026-02-30T00:00:00Z", "' OR 1=1"])
def test_hostile_history_times_are_invalid_time_range(api, world, start):
    response = api.get(f"/api/v1/presence/online-history?startTime={start}&endTime=2026-02-25T00:00:00Z&interval=1h",
                       **world["auth"])
    assert_plain_error(response, 400, "INVALID_TIME_RANGE")


@pytest.mark.parametrize("day", ["2026-02-30", "NaN", "%00", "20260101", "2026-1-1", "' OR 1=1", "9999999-01-01"])
def test_hostile_dau_dates_are_invalid_date_format(api, world, day):
    response = api.get(f"/api/v1/analytics/dau?startDate={day}&endDate=2026-02-25", **world["auth"])
    assert_plain_error(response, 400, "INVALID_DATE_FORMAT")


@pytest.mark.parametrize("client_ts", [b"1e309", b"NaN", b"\"soon\"", b"true", b"null", b"[]"])
def test_a_hostile_heartbeat_clock_is_a_validation_error(api, world, client_ts):
    body = b'{"installId": "install-0001", "appVersion": "1.0.0", "clientTs": ' + client_ts + b"}"
    response = api.post("/api/v1/presence/heartbeat", body, content_type="application/json", **world["auth"])
    assert_plain_error(response, 400, "VALIDATION_ERROR")
    assert OnlineInstall.objects.count() == 0


@pytest.mark.parametrize("event", [
    {"eventName": "x" * 100_000}, {"eventName": "ok", "installId": "\u0000" * 8}, {"eventName": "ok", "clientTs": 1e300},
    {"eventName": "ok", "clientTs": -1}, {"eventName": "ok", "properties": {"k": "\u0000"}},
    {"eventName": "ok", "userId": 10**70}, {"eventName": "ok", "clientTs": True}, {"eventName": "ok", "eventId": "e" * 65},
    {"eventName": "ok", "properties": [1, 2]}, {"eventName": "ok", "installId": "ins'; DROP TABLE x;--"},
])
def test_a_hostile_event_is_counted_as_failed_and_not_stored(api, world, event):
    import time

    full = {"installId": "install-0001", "clientTs": int(time.time()), **event}
    # ensure_ascii: lone surrogates travel as \ud800 escapes, as a JavaScript client would send them.
    body = json.dumps({"events": [full]}, ensure_ascii=True).encode()
    response = api.post("/api/v1/analytics/events", body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 0 and response.json()["failed"] == 1
    assert Event.objects.count() == 0 and DailyActive.objects.count() == 0
