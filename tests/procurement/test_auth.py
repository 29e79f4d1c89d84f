"""Signed requests (contract §3): seed 001's examples, every refusal, replay, whitelist, rotation, limits."""
from datetime import timedelta

import pytest

from core.partner_auth import replay_claim_key
from core.ratelimit import get_limiter
from core.signing import compute_signature, now_ms
from core.timeutil import utc_now
from procurement import services
from procurement.models import Intent, PartnerApp
from tests.procurement.conftest import SEED_INTENT
from tests.support.assertions import assert_partner_error, assert_partner_ok

pytestmark = pytest.mark.django_db


# --- seed 001's example requests, with real signatures --------------------------------------------

def test_seed_get_example_lists_with_page_and_page_size(signed):
    data = assert_partner_ok(signed.get("/api/v1/intents?page=1&pageSize=10"))
    assert data == {"items": [], "total": 0, "page": 1, "pageSize": 10, "totalPages": 0}


def test_seed_post_example_creates_a_submitted_intent(signed):
    data = assert_partner_ok(signed.post("/api/v1/intents", SEED_INTENT), status=201)
    assert data["status"] == "SUBMITTED"
    assert data["id"].startswith("intent_")
    assert Intent.objects.get(pk=data["id"]).app.app_id == "dev_app_local"


def test_seed_put_example_cancels_the_intent(signed):
    intent_id = signed.post("/api/v1/intents", SEED_INTENT).json()["data"]["id"]
    data = assert_partner_ok(signed.put(f"/api/v1/intents/{intent_id}", {"status": "CANCELLED"}))
    assert data["status"] == "CANCELLED"


def test_seed_delete_example_answers_204_without_a_body(signed):
    intent_id = signed.post("/api/v1/intents", SEED_INTENT).json()["data"]["id"]
    response = signed.delete(f"/api/v1/intents/{intent_id}")
    assert response.status_code == 204
    assert response.content == b""
    assert not Intent.objects.filter(pk=intent_id).exists()


def test_a_request_knows_its_app_in_the_log_line(signed, caplog):
    with caplog.at_level("INFO", logger="core.request"):
        signed.get("/api/v1/intents")
    assert [r.caller for r in caplog.records if r.name == "core.request"] == ["app:dev_app_local"]


# --- missing and malformed headers: 40101 naming the header ---------------------------------------

@pytest.mark.parametrize("header", ["X-App-Id", "X-Timestamp", "X-Signature"])
def test_a_missing_header_is_40101_naming_it(signed, header):
    response = signed.get("/api/v1/intents", headers={header: None})
    payload = assert_partner_error(response, 401, 40101, "签名验证失败")
    assert payload["data"]["field"] == header
    assert header in payload["data"]["reason"]


@pytest.mark.parametrize("header,value", [
    ("X-Timestamp", "1708851000"),  # fine as digits; see the window test for seconds
    ("X-Timestamp", "17088510000.5"),
    ("X-Timestamp", "now"),
    ("X-Signature", "abc123"),
    ("X-Signature", "z" * 64),
    ("X-App-Id", "bad app id"),
])
def test_a_malformed_header_is_refused(signed, header, value):
    response = signed.get("/api/v1/intents", headers={header: value})
    payload = response.json()
    assert response.status_code == 401
    if header == "X-Timestamp" and value.isdigit():
        assert payload["code"] == 40102  # seconds instead of milliseconds: far outside the window
    else:
        assert payload["code"] == 40101
        assert payload["data"]["field"] == header


def test_unauthenticated_requests_answer_401_never_403(api):
    response = api.get("/api/v1/intents")
    assert_partner_error(response, 401, 40101)
    assert response["WWW-Authenticate"].startswith("HMAC-SHA256")


# --- the signature covers method, path, query, timestamp and body ---------------------------------

def test_unknown_app_is_40103(signed):
    assert_partner_error(signed.get("/api/v1/intents", app_id="no_such_app"), 401, 40103, "App ID 不存在")


def test_wrong_secret_is_40101(signed):
    payload = assert_partner_error(signed.get("/api/v1/intents", secret="not-the-secret"), 401, 40101)
    assert payload["data"]["field"] == "X-Signature"


@pytest.mark.parametrize("tamper", [
    {"sign_method": "GET"},
    {"sign_target": "/api/v1/intents/other"},
    {"sign_target": "/api/v1/intents?page=2"},
    {"sign_body": b'{"userId":"user_002"}'},
])
def test_a_tampered_method_path_query_or_body_fails(signed, tamper):
    response = signed.post("/api/v1/intents", SEED_INTENT, **tamper)
    assert_partner_error(response, 401, 40101)
    assert not Intent.objects.exists()


def test_a_tampered_query_string_fails(signed):
    response = signed.get("/api/v1/intents?page=2", sign_target="/api/v1/intents?page=1")
    assert_partner_error(response, 401, 40101)


def test_a_tampered_timestamp_fails(signed):
    stamp = now_ms()
    response = signed.get("/api/v1/intents", timestamp=stamp + 1, sign_timestamp=stamp)
    assert_partner_error(response, 401, 40101)


def test_the_target_verifies_as_sent_and_as_the_partner_wrote_it(signed):
    # Python's requests and httpx send seed 001's brackets and Chinese percent-encoded.
    target = "/api/v1/intents?filter%5Bstatus%5D=SUBMITTED&filter%5Btitle%5D%5Blike%5D=%E6%89%8B%E6%9C%BA"
    assert_partner_ok(signed.get(target))
    written = "/api/v1/intents?filter[status]=SUBMITTED&filter[title][like]=手机"
    assert_partner_ok(signed.get(target, sign_target=written))


@pytest.mark.parametrize("wire, written", [
    ("/api/v1/intents?filter%5Btitle%5D%5Blike%5D=a%26b", "/api/v1/intents?filter[title][like]=a&b"),
    ("/api/v1/intents?filter%5Btitle%5D%5Blike%5D=a%3Db", "/api/v1/intents?filter[title][like]=a=b"),
    ("/api/v1/intents?filter%5Btitle%5D%5Blike%5D=a%2Bb", "/api/v1/intents?filter[title][like]=a+b"),
    ("/api/v1/intents?filter%5Btitle%5D%5Blike%5D=a%23b", "/api/v1/intents?filter[title][like]=a#b"),
    ("/api/v1/intents?filter%5Btitle%5D%5Blike%5D=a%2525", "/api/v1/intents?filter[title][like]=a%25"),
])
def test_escaped_delimiters_must_be_signed_escaped(signed, wire, written):
    # Decoding them would let a request that means something else verify under the same signature.
    assert_partner_error(signed.get(wire, sign_target=written), 401, 40101)
    assert_partner_ok(signed.get(wire))


def test_a_mismatch_tells_what_the_server_signed_and_never_the_secret(signed, partner_app):
    body = '{"userId":"u1","platform":"JD","productUrl":"https://jd.com/1","title":"手机"}'.encode()
    stamp = now_ms()
    response = signed.post("/api/v1/intents?x=%5B1%5D", body, timestamp=stamp, secret="not-the-secret")
    payload = assert_partner_error(response, 401, 40101)
    import hashlib

    assert payload["data"]["field"] == "X-Signature"
    assert payload["data"]["signed"] == {
        "method": "POST", "target": "/api/v1/intents?x=%5B1%5D", "decodedTarget": "/api/v1/intents?x=[1]",
        "timestamp": str(stamp), "bodyLength": len(body), "bodySha256": hashlib.sha256(body).hexdigest(),
    }
    text = response.content.decode()
    expected = compute_signature(partner_app.plain_secret, "POST", "/api/v1/intents?x=%5B1%5D", str(stamp), body)
    assert partner_app.plain_secret not in text and expected not in text


def test_a_mismatch_without_escapes_names_no_decoded_target(signed):
    payload = assert_partner_error(signed.get("/api/v1/intents?page=1", secret="nope"), 401, 40101)
    assert "decodedTarget" not in payload["data"]["signed"]
    assert payload["data"]["signed"]["bodyLength"] == 0


def test_upper_case_hex_signatures_are_accepted(signed, partner_app):
    from core.signing import compute_signature

    stamp = str(now_ms())
    signature = compute_signature(partner_app.plain_secret, "GET", "/api/v1/intents", stamp, "").upper()
    response = signed.get("/api/v1/intents", timestamp=stamp, headers={"X-Signature": signature})
    assert_partner_ok(response)


# --- the time window ------------------------------------------------------------------------------

@pytest.mark.parametrize("offset_s", [-295, 295])
def test_a_timestamp_just_inside_the_window_is_accepted(signed, offset_s):
    assert_partner_ok(signed.get("/api/v1/intents", timestamp=now_ms() + offset_s * 1000))


@pytest.mark.parametrize("offset_s", [-305, 305])
def test_a_timestamp_just_outside_the_window_is_40102(signed, offset_s):
    payload = assert_partner_error(signed.get("/api/v1/intents", timestamp=now_ms() + offset_s * 1000),
                                   401, 40102, "时间戳过期")
    assert payload["data"]["field"] == "X-Timestamp"
    assert abs(payload["data"]["serverTime"] - now_ms()) < 60_000


# --- replay -----------------------------------------------------------------------------------------

def test_replayed_signature_is_refused(signed):
    stamp = now_ms()
    assert_partner_ok(signed.post("/api/v1/intents", SEED_INTENT, timestamp=stamp), status=201)
    response = signed.post("/api/v1/intents", SEED_INTENT, timestamp=stamp)
    assert_partner_error(response, 401, 40104, "请求重复提交")
    assert Intent.objects.count() == 1


def test_a_request_refused_before_the_replay_check_keeps_its_signature_usable(signed, partner_app):
    PartnerApp.objects.filter(pk=partner_app.pk).update(is_active=False)
    stamp = now_ms()
    assert_partner_error(signed.get("/api/v1/intents", timestamp=stamp), 403, 40302)
    PartnerApp.objects.filter(pk=partner_app.pk).update(is_active=True)
    assert_partner_ok(signed.get("/api/v1/intents", timestamp=stamp))


def _claim_ttl_ms(app, stamp, target="/api/v1/intents"):
    """How long the limiter's store still remembers the GET signature of `stamp` (None: not at all)."""
    signature = compute_signature(app.plain_secret, "GET", target, str(stamp), b"")
    return get_limiter().claim_ttl_ms(replay_claim_key(app.app_id, signature))


def test_an_accepted_signature_is_claimed_in_the_shared_store(signed, partner_app):
    stamp = now_ms()
    assert _claim_ttl_ms(partner_app, stamp) is None
    assert_partner_ok(signed.get("/api/v1/intents", timestamp=stamp))
    assert _claim_ttl_ms(partner_app, stamp) is not None


@pytest.mark.parametrize("age_seconds", [-290, 0, 290])
def test_the_claim_outlives_the_window_on_every_host_whatever_the_timestamp(signed, partner_app, age_seconds):
    # Remembered for the whole window (2 x 300 s) plus the skew margin (60 s), so that a host whose
    # clock is behind this one's cannot accept the signature again after this host forgot it.
    stamp = now_ms() - age_seconds * 1000
    assert_partner_ok(signed.get("/api/v1/intents", timestamp=stamp))
    assert 655_000 < _claim_ttl_ms(partner_app, stamp) <= 660_000


@pytest.fixture
def minute_window(settings):
    """
    The QPS limit counted over 60 s instead of 1 s, so that a test's requests fall in one
    window however slowly this machine sends them. `slide()` then moves the window past
    every request made so far (a window of 1 ms leaves them all behind), without a sleep.
    """
    settings.PARTNER_QPS_WINDOW_SECONDS = 60

    def slide():
        settings.PARTNER_QPS_WINDOW_SECONDS = 0.001

    return slide


def test_a_request_refused_by_the_qps_limit_keeps_its_signature_usable(signed, partner_app, minute_window):
    PartnerApp.objects.filter(pk=partner_app.pk).update(qps_limit=1)
    assert_partner_ok(signed.get("/api/v1/intents"))
    stamp = now_ms()
    assert_partner_error(signed.get("/api/v1/intents", timestamp=stamp), 429, 42901)
    assert _claim_ttl_ms(partner_app, stamp) is None
    minute_window()  # the window slides past the first request
    assert_partner_ok(signed.get("/api/v1/intents", timestamp=stamp))


def test_a_request_refused_by_the_whitelist_keeps_its_signature_usable(signed, partner_app):
    PartnerApp.objects.filter(pk=partner_app.pk).update(ip_whitelist="203.0.113.7")
    stamp = now_ms()
    assert_partner_error(signed.get("/api/v1/intents", timestamp=stamp), 403, 40301)
    assert _claim_ttl_ms(partner_app, stamp) is None
    assert_partner_ok(signed.get("/api/v1/intents", timestamp=stamp, remote_addr="203.0.113.7"))


def test_the_qps_limit_is_answered_before_a_disabled_app_and_a_disabled_app_before_a_replay(
        signed, partner_app, minute_window):
    stamp = now_ms()
    assert_partner_ok(signed.get("/api/v1/intents", timestamp=stamp))
    PartnerApp.objects.filter(pk=partner_app.pk).update(is_active=False, qps_limit=1)
    assert_partner_error(signed.get("/api/v1/intents", timestamp=stamp), 429, 42901)
    minute_window()
    assert_partner_error(signed.get("/api/v1/intents", timestamp=stamp), 403, 40302)
    PartnerApp.objects.filter(pk=partner_app.pk).update(is_active=True, qps_limit=100)
    assert_partner_error(signed.get("/api/v1/intents", timestamp=stamp), 401, 40104)


def test_a_replay_carries_the_rate_limit_headers_and_counts_as_a_failure_for_the_client_ip(
        signed, settings, minute_window):
    settings.PARTNER_AUTH_FAILURE_RATE = "2/m"
    stamp = now_ms()
    assert_partner_ok(signed.get("/api/v1/intents", timestamp=stamp))
    for remaining in ("98", "97"):
        replay = signed.get("/api/v1/intents", timestamp=stamp)
        assert_partner_error(replay, 401, 40104)
        assert replay["X-RateLimit-Remaining"] == remaining
    assert_partner_error(signed.get("/api/v1/intents"), 429, 42901)


# --- app state, whitelist, proxies ----------------------------------------------------------------

def test_a_disabled_app_is_403_40302(signed, partner_app):
    PartnerApp.objects.filter(pk=partner_app.pk).update(is_active=False)
    assert_partner_error(signed.get("/api/v1/intents"), 403, 40302, "权限不足")


def test_whitelisted_ip_and_cidr_are_allowed_and_others_are_40301(signed, partner_app):
    PartnerApp.objects.filter(pk=partner_app.pk).update(ip_whitelist="203.0.113.7\n10.1.0.0/16")
    assert_partner_ok(signed.get("/api/v1/intents", remote_addr="203.0.113.7"))
    assert_partner_ok(signed.get("/api/v1/intents", remote_addr="10.1.200.3"))
    payload = assert_partner_error(signed.get("/api/v1/intents", remote_addr="10.2.0.1"), 403, 40301, "IP 不在白名单")
    assert payload["data"] == {"ip": "10.2.0.1"}


def test_forwarded_for_is_ignored_without_trusted_proxies(signed, partner_app):
    PartnerApp.objects.filter(pk=partner_app.pk).update(ip_whitelist="203.0.113.7")
    response = signed.get("/api/v1/intents", remote_addr="10.0.0.5", headers={"X-Forwarded-For": "203.0.113.7"})
    assert_partner_error(response, 403, 40301)


def test_forwarded_for_is_read_from_a_trusted_proxy(signed, partner_app, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    PartnerApp.objects.filter(pk=partner_app.pk).update(ip_whitelist="203.0.113.7")
    ok = signed.get("/api/v1/intents", remote_addr="10.0.0.5", headers={"X-Forwarded-For": "203.0.113.7"})
    assert_partner_ok(ok)
    spoofed = signed.get("/api/v1/intents", remote_addr="198.51.100.1", headers={"X-Forwarded-For": "203.0.113.7"})
    assert_partner_error(spoofed, 403, 40301)


# --- secret rotation --------------------------------------------------------------------------------

def test_after_rotation_both_secrets_verify_until_the_old_one_expires(signed, partner_app):
    old = partner_app.plain_secret
    new = services.partner_app_rotate_secret(app=partner_app, grace=timedelta(hours=1))
    assert new != old
    assert_partner_ok(signed.get("/api/v1/intents", secret=old))
    assert_partner_ok(signed.get("/api/v1/intents", secret=new))
    PartnerApp.objects.filter(pk=partner_app.pk).update(previous_secret_expires_at=utc_now() - timedelta(seconds=1))
    assert_partner_error(signed.get("/api/v1/intents", secret=old), 401, 40101)
    assert_partner_ok(signed.get("/api/v1/intents", secret=new))


def test_rotation_without_grace_revokes_the_old_secret_at_once(signed, partner_app):
    new = services.partner_app_rotate_secret(app=partner_app, grace=timedelta(0))
    assert_partner_error(signed.get("/api/v1/intents"), 401, 40101)
    assert_partner_ok(signed.get("/api/v1/intents", secret=new))


def test_secrets_are_encrypted_at_rest(partner_app):
    stored = PartnerApp.objects.values_list("secret_encrypted", flat=True).get(pk=partner_app.pk)
    assert partner_app.plain_secret not in stored
    assert len(partner_app.plain_secret) == 64


# --- limits -----------------------------------------------------------------------------------------

def test_the_qps_limit_counts_per_second_by_default(signed, partner_app):
    PartnerApp.objects.filter(pk=partner_app.pk).update(qps_limit=3)
    response = signed.get("/api/v1/intents")
    assert (response["X-RateLimit-Limit"], response["X-RateLimit-Remaining"]) == ("3", "2")
    assert response["RateLimit-Policy"] == '"partner-app";q=3;w=1'


def test_rate_limit_headers_count_down_then_429_with_retry_after(signed, partner_app, minute_window):
    PartnerApp.objects.filter(pk=partner_app.pk).update(qps_limit=3)
    remaining = []
    for _ in range(3):
        response = signed.get("/api/v1/intents")
        assert_partner_ok(response)
        assert response["X-RateLimit-Limit"] == "3"
        assert response["RateLimit-Policy"] == '"partner-app";q=3;w=60'
        assert int(response["X-RateLimit-Reset"]) >= now_ms() // 1000
        remaining.append(int(response["X-RateLimit-Remaining"]))
    assert remaining == [2, 1, 0]
    response = signed.get("/api/v1/intents")
    assert_partner_error(response, 429, 42901, "请求频率超限")
    assert 59 <= int(response["Retry-After"]) <= 60
    assert response["X-RateLimit-Remaining"] == "0"
    assert response["RateLimit"].startswith('"partner-app";r=0;t=')


def test_rate_limit_headers_are_on_errors_after_authentication(signed, minute_window):
    response = signed.get("/api/v1/intents/intent_000000000000000000000000")
    assert_partner_error(response, 404, 40401)
    assert response["X-RateLimit-Limit"] == "100"
    response = signed.get("/api/v1/intents?sortBy=nope")
    assert_partner_error(response, 400, 40003)
    assert response["X-RateLimit-Remaining"] == "98"


def test_apps_are_limited_apart(signed, other_signed, partner_app, minute_window):
    PartnerApp.objects.filter(pk=partner_app.pk).update(qps_limit=1)
    assert_partner_ok(signed.get("/api/v1/intents"))
    assert_partner_error(signed.get("/api/v1/intents"), 429, 42901)
    assert_partner_ok(other_signed.get("/api/v1/intents"))


def test_failed_checks_are_limited_per_client_ip_before_any_app_work(signed, settings):
    settings.PARTNER_AUTH_FAILURE_RATE = "3/m"
    for _ in range(3):
        assert_partner_error(signed.get("/api/v1/intents", secret="guess"), 401, 40101)
    # Even the right secret now waits: guessing costs the guesser.
    response = signed.get("/api/v1/intents")
    assert_partner_error(response, 429, 42901)
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "X-RateLimit-Limit" not in response
    assert_partner_ok(signed.get("/api/v1/intents", remote_addr="192.0.2.44"))


def test_a_process_that_has_not_seen_the_ip_fail_still_answers_from_the_shared_count(signed, settings):
    from core.partner_auth import recent_failures

    settings.PARTNER_AUTH_FAILURE_RATE = "3/m"
    for _ in range(3):
        assert_partner_error(signed.get("/api/v1/intents", secret="guess"), 401, 40101)
    recent_failures.clear()  # as in a process that has not seen this IP fail: it skips the early look
    # The fourth guess is checked, but its failure no longer fits the count: 429, not "wrong".
    assert_partner_error(signed.get("/api/v1/intents", secret="guess"), 429, 42901)
    recent_failures.clear()
    # The right secret is checked too, and the gate on the success path refuses it.
    assert_partner_error(signed.get("/api/v1/intents"), 429, 42901)


def test_past_the_failure_limit_a_wrong_and_a_right_guess_get_the_same_answer(signed, settings):
    settings.PARTNER_AUTH_FAILURE_RATE = "2/m"
    for _ in range(2):
        assert_partner_error(signed.get("/api/v1/intents", secret="guess"), 401, 40101)
    wrong, right = signed.get("/api/v1/intents", secret="guess"), signed.get("/api/v1/intents")
    assert (wrong.status_code, right.status_code) == (429, 429)
    assert wrong.json() == right.json()


def test_a_body_over_1_mb_is_413(signed):
    body = b'{"remark":"' + b"x" * (1024 * 1024) + b'"}'
    assert_partner_error(signed.post("/api/v1/intents", body), 413, 40001)


def test_health_needs_no_signature(api):
    assert_partner_ok(api.get("/api/v1/health"), message="服务正常运行")


@pytest.fixture
def store_down(settings, tmp_path):
    """The limiter's shared store unreachable: Redis on a closed port, or a SQLite file that cannot be opened."""
    from tests.support.live import closed_port

    if settings.REDIS_URL:
        settings.CACHES = {"default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }}
        return "ratelimit.redis_unavailable"
    (tmp_path / "a-directory").mkdir()
    settings.RATELIMIT_SQLITE_PATH = str(tmp_path / "a-directory")
    return "ratelimit.sqlite_unavailable"


def test_with_the_shared_store_down_signed_requests_are_refused_with_503_and_logged(
        signed, store_down, caplog):
    with caplog.at_level("WARNING"):
        response = signed.post("/api/v1/intents", SEED_INTENT)
    payload = assert_partner_error(response, 503, 50301, "服务暂时不可用")
    assert payload["data"]["reason"] == "防重放存储暂时不可用,请稍后用新的时间戳重试"
    assert response["Retry-After"] == "1"
    assert Intent.objects.count() == 0
    messages = [record.getMessage() for record in caplog.records]
    assert messages.count(store_down) == 1
    assert messages.count("partner_auth.replay_store_unavailable") == 1


def test_with_the_shared_store_down_a_refusal_of_the_app_itself_is_still_answered(signed, store_down, partner_app):
    PartnerApp.objects.filter(pk=partner_app.pk).update(is_active=False)
    assert_partner_error(signed.get("/api/v1/intents"), 403, 40302)


def test_with_the_shared_store_down_limits_elsewhere_fail_open(api, store_down):
    # Only replay protection fails closed: an accounts request is throttled by the same store and goes on.
    response = api.post("/api/v1/auth/login", {}, format="json")
    assert response.status_code == 400
    assert "X-RateLimit-Remaining" not in response or response["X-RateLimit-Remaining"] == response["X-RateLimit-Limit"]


# --- the per-process credentials cache -------------------------------------------------------------

def test_cached_credentials_save_the_app_query(signed, settings, django_assert_num_queries):
    settings.PARTNER_CREDENTIALS_CACHE_SECONDS = 5
    assert_partner_error(signed.get("/api/v1/intents/intent_000000000000000000000000"), 404, 40401)
    with django_assert_num_queries(1):  # the intent lookup only: no query for the app
        assert_partner_error(signed.get("/api/v1/intents/intent_000000000000000000000000"), 404, 40401)


def test_a_change_behind_the_services_back_takes_effect_when_the_cache_expires(signed, partner_app, settings):
    settings.PARTNER_CREDENTIALS_CACHE_SECONDS = 5
    assert_partner_ok(signed.get("/api/v1/intents"))
    PartnerApp.objects.filter(pk=partner_app.pk).update(is_active=False)
    assert_partner_ok(signed.get("/api/v1/intents"))  # still cached in this process
    settings.PARTNER_CREDENTIALS_CACHE_SECONDS = 0.001  # changing the setting also empties the cache
    assert_partner_error(signed.get("/api/v1/intents"), 403, 40302)


def test_rotation_through_the_service_takes_effect_at_once(signed, partner_app, settings):
    settings.PARTNER_CREDENTIALS_CACHE_SECONDS = 5
    assert_partner_ok(signed.get("/api/v1/intents"))
    new = services.partner_app_rotate_secret(app=partner_app, grace=timedelta(0))
    assert_partner_error(signed.get("/api/v1/intents"), 401, 40101)
    assert_partner_ok(signed.get("/api/v1/intents", secret=new))
