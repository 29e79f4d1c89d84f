"""
/metrics (core.metrics) in the process's own registry: each family counts what it says once the
thing it counts has happened through the real endpoints, and the endpoint is closed to anyone
neither allowlisted nor holding the token. (Several processes: test_metrics_live.py.)

The registry is the process's and outlives each test, so tests compare a scrape before with a
scrape after.
"""
from datetime import timedelta
import json
from pathlib import Path
import re
import shutil
import subprocess

from django.contrib.auth import get_user_model
from prometheus_client.parser import text_string_to_metric_families
import pytest
import redis
import yaml

from accounts.tokens import token_issue
from core import metrics
from core.ratelimit import RedisSlidingWindow, SqliteSlidingWindow
from core.timeutil import utc_now
from presence.services import heartbeat_record, snapshot_take
from procurement import services as procurement_services
from tests.analytics.helpers import event, fixed_noon, post_batch
from tests.procurement.conftest import SignedClient
from tests.support.assertions import assert_partner_error
from tests.support.live import closed_port

pytestmark = pytest.mark.django_db

FORBIDDEN = {"code": 40302, "message": "权限不足", "data": None}


class Scrape:
    """One answer of /metrics, parsed with prometheus-client's own parser."""

    def __init__(self, response):
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        self.text = response.content.decode()
        self.families = {family.name: family for family in text_string_to_metric_families(self.text)}

    def value(self, sample_name: str, **labels) -> float:
        """The sample's value; 0 when the label set has not been counted yet."""
        for family in self.families.values():
            for sample in family.samples:
                if sample.name == sample_name and sample.labels == {k: str(v) for k, v in labels.items()}:
                    return sample.value
        return 0.0

    def has(self, sample_name: str, **labels) -> bool:
        wanted = {k: str(v) for k, v in labels.items()}
        return any(sample.name == sample_name and sample.labels == wanted
                   for family in self.families.values() for sample in family.samples)


def scrape(api, **extra) -> Scrape:
    return Scrape(api.get("/metrics", **extra))


def delta(before: Scrape, after: Scrape, sample_name: str, **labels) -> float:
    return after.value(sample_name, **labels) - before.value(sample_name, **labels)


@pytest.fixture(autouse=True)
def fresh_credentials(settings):
    """Apps are made anew by each test under the same ids: no credentials kept from an earlier one."""
    settings.PARTNER_CREDENTIALS_CACHE_SECONDS = 0


@pytest.fixture
def partner(api):
    app, secret = procurement_services.partner_app_create(name="Metrics", app_id="metrics_app")
    return app, SignedClient(api, app.app_id, secret)


@pytest.fixture
def user_api(api):
    user = get_user_model().objects.create_user(username="metrics-user", password="pw-metrics-1")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)}")
    return api


# --- the format and the requests ----------------------------------------------------------------

def test_every_exported_family_is_declared_with_help_and_type(api):
    api.get("/api/v1/health")
    text = scrape(api).text
    for name in metrics.metric_names() - set(metrics.READING_GAUGES):
        exported = f"{name}_total" if f"# TYPE {name}_total counter" in text or f"# TYPE {name} counter" in text \
            else name
        assert f"# HELP {exported} " in text, name
        assert f"# TYPE {exported} " in text, name


def test_requests_are_counted_by_route_method_and_status_with_their_duration(api, partner):
    _app, signed = partner
    before = scrape(api)
    assert signed.get("/api/v1/intents/no_such_intent").status_code == 404
    assert api.get("/api/v1/health").status_code == 200
    after = scrape(api)
    route = "api/v1/intents/<intent_id>"
    assert delta(before, after, "procure_http_requests_total", route=route, method="GET", status=404) == 1
    assert delta(before, after, "procure_http_requests_total", route="api/v1/health", method="GET", status=200) == 1
    assert delta(before, after, "procure_http_request_duration_seconds_count", route=route, method="GET") == 1
    # The 30 s bucket holds every request; the raw path never becomes a label.
    assert delta(before, after, "procure_http_request_duration_seconds_bucket", route=route, method="GET",
                 le="30.0") == 1
    assert "no_such_intent" not in after.text


def test_unrouted_paths_share_one_label_whatever_their_path(api):
    before = scrape(api)
    for path in ("/nope/1", "/nope/2", "/api/v1/intentsX"):
        assert api.get(path).status_code == 404
    after = scrape(api)
    assert delta(before, after, "procure_http_requests_total", route="(unmatched)", method="GET", status=404) == 3
    assert "/nope" not in after.text and "intentsX" not in after.text


def test_a_request_refused_before_routing_is_counted_as_unrouted(api):
    before = scrape(api)
    response = api.get("/api/v1/intents?" + "a" * 9000)
    assert response.status_code == 414
    after = scrape(api)
    assert delta(before, after, "procure_http_requests_total", route="(unrouted)", method="GET", status=414) == 1


def test_scrapes_are_not_counted_as_traffic_and_never_limited(api):
    for _ in range(3):
        response = api.get("/metrics")
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response and "RateLimit" not in response
    after = scrape(api)
    assert not any(sample.labels.get("route") == "metrics"
                   for family in after.families.values() for sample in family.samples)


# --- limits, signatures -----------------------------------------------------------------------------

def test_signature_failures_are_counted_by_their_code(api, partner):
    _app, signed = partner
    before = scrape(api)
    assert_partner_error(signed.get("/api/v1/intents", secret="not-the-secret"), 401, 40101)
    assert_partner_error(signed.get("/api/v1/intents", timestamp=1), 401, 40102)
    assert_partner_error(signed.get("/api/v1/intents", app_id="no_such_app"), 401, 40103)
    assert_partner_error(signed.get("/api/v1/intents", headers={"X-Signature": None}), 401, 40101)
    after = scrape(api)
    assert delta(before, after, "procure_partner_auth_failures_total", code=40101) == 2
    assert delta(before, after, "procure_partner_auth_failures_total", code=40102) == 1
    assert delta(before, after, "procure_partner_auth_failures_total", code=40103) == 1
    assert delta(before, after, "procure_partner_auth_failures_total", code=40104) == 0


def test_a_replayed_signature_counts_as_40104_and_as_a_refusal_of_the_replay_policy(api, partner):
    _app, signed = partner
    timestamp = int(utc_now().timestamp() * 1000)
    before = scrape(api)
    assert signed.get("/api/v1/intents", timestamp=timestamp).status_code == 200
    assert_partner_error(signed.get("/api/v1/intents", timestamp=timestamp), 401, 40104)
    after = scrape(api)
    assert delta(before, after, "procure_partner_auth_failures_total", code=40104) == 1
    assert delta(before, after, "procure_ratelimit_refusals_total", policy="partner-replay") == 1


def test_the_partner_qps_limit_counts_its_refusals(api):
    app, secret = procurement_services.partner_app_create(name="Slow", app_id="slow_app", qps_limit=1)
    signed = SignedClient(api, app.app_id, secret)
    before = scrape(api)
    assert signed.get("/api/v1/intents").status_code == 200
    assert_partner_error(signed.get("/api/v1/intents"), 429, 42901)
    after = scrape(api)
    assert delta(before, after, "procure_ratelimit_refusals_total", policy="partner-app") == 1


def test_a_throttle_scope_counts_its_refusals(api, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "analytics_events": "1/m"}
    before = scrape(api)
    assert post_batch(api, [event()]).status_code == 200
    response = post_batch(api, [event()])
    assert response.status_code == 429
    assert response.json()["error"] == "TOO_MANY_REQUESTS"
    after = scrape(api)
    assert delta(before, after, "procure_ratelimit_refusals_total", policy="analytics_events") == 1


def test_the_failed_login_slowing_counts_its_refusals(api, settings):
    settings.ACCOUNTS_LOGIN_FAILURE_LIMIT = "2/15m"
    get_user_model().objects.create_user(username="slowed", password="right-pass-1")
    body = json.dumps({"username": "slowed", "password": "wrong"})
    before = scrape(api)
    statuses = [api.post("/api/v1/auth/login", body, content_type="application/json").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    after = scrape(api)
    assert delta(before, after, "procure_ratelimit_refusals_total", policy="accounts_login_failures") == 1


# --- presence and analytics ---------------------------------------------------------------------

def test_heartbeats_are_counted(user_api):
    api = user_api
    before = scrape(api)
    response = user_api.post("/api/v1/presence/heartbeat", {"installId": "metrics-install-1", "appVersion": "1.0.0",
                                                           "clientTs": int(utc_now().timestamp())}, format="json")
    assert response.status_code == 200, response.content
    after = scrape(api)
    assert delta(before, after, "procure_presence_heartbeats_total") == 1


def test_online_count_and_snapshot_age_are_read_at_scrape_time(api):
    now = utc_now()
    heartbeat_record(install_id="metrics-online-1", now=now)
    heartbeat_record(install_id="metrics-online-2", now=now)
    snapshot_take(now=now - timedelta(seconds=120))
    after = scrape(api)
    assert after.value("procure_presence_online_installs") == 2
    age = after.value("procure_presence_snapshot_age_seconds")
    assert 120 <= age < 150, age  # measured from the test's clock: the scrape ran just after
    assert after.value("procure_metrics_reading_errors", reading="presence.metrics.presence_readings") == 0


def test_without_any_snapshot_the_age_is_absent(api):
    after = scrape(api)
    assert not after.has("procure_presence_snapshot_age_seconds")
    assert after.has("procure_presence_online_installs")


def failing_reading():
    raise RuntimeError("the store is down")


def test_a_failing_reading_is_counted_and_the_scrape_still_answers(api, settings):
    settings.METRICS_READINGS = ["tests.core.test_metrics.failing_reading", "presence.metrics.presence_readings"]
    after = scrape(api)
    assert after.value("procure_metrics_reading_errors", reading="tests.core.test_metrics.failing_reading") == 1
    assert after.has("procure_presence_online_installs")


def test_a_batch_counts_stored_duplicate_and_invalid_events(api):
    ts = fixed_noon()
    before = scrape(api)
    response = post_batch(api, [
        event(install="metrics-batch-1", eventId="e-1", ts=ts),
        event(install="metrics-batch-1", eventId="e-1", ts=ts),  # the same pair again: a duplicate
        event(install="metrics-batch-1", eventId="e-2", ts=ts),
        {"eventName": "", "installId": "metrics-batch-1", "clientTs": ts},  # invalid
    ])
    assert response.status_code == 200, response.content
    payload = response.json()
    assert (payload["accepted"], payload["failed"], payload["duplicates"]) == (3, 1, 1)
    again = post_batch(api, [event(install="metrics-batch-1", eventId="e-2", ts=ts)])
    assert again.json()["duplicates"] == 1
    after = scrape(api)
    assert delta(before, after, "procure_analytics_events_total", outcome="stored") == 2
    assert delta(before, after, "procure_analytics_events_total", outcome="duplicate") == 2
    assert delta(before, after, "procure_analytics_events_total", outcome="invalid") == 1


# --- dependency errors and health ------------------------------------------------------------------

def test_an_unreachable_redis_limiter_counts_a_redis_error_and_fails_open(api):
    client = redis.Redis(host="127.0.0.1", port=closed_port(), socket_connect_timeout=0.5)
    before = scrape(api)
    result = RedisSlidingWindow(client).hit("metrics:probe", 1, 1.0, policy="probe")
    after = scrape(api)
    assert result.allowed and result.degraded
    assert delta(before, after, "procure_dependency_errors_total", dependency="redis", source="ratelimit") == 1


def test_an_unusable_sqlite_limiter_counts_a_sqlite_error(api, tmp_path):
    before = scrape(api)
    result = SqliteSlidingWindow(str(tmp_path / "missing" / "limits.sqlite3")).hit("metrics:probe", 1, 1.0)
    after = scrape(api)
    assert result.degraded
    assert delta(before, after, "procure_dependency_errors_total", dependency="sqlite", source="ratelimit") == 1


def test_a_limiter_refusal_of_the_store_itself_is_counted_by_policy(tmp_path, api):
    store = SqliteSlidingWindow(str(tmp_path / "limits.sqlite3"))
    before = scrape(api)
    assert store.hit("k", 1, 60.0, policy="probe-policy").allowed
    assert not store.hit("k", 1, 60.0, policy="probe-policy").allowed
    assert not store.peek("k", 1, 60.0, policy="probe-policy").allowed
    after = scrape(api)
    assert delta(before, after, "procure_ratelimit_refusals_total", policy="probe-policy") == 2


def test_a_passing_health_probe_sets_its_dependencies_up(api):
    assert api.get("/api/v1/health").status_code == 200
    after = scrape(api)
    assert after.value("procure_health_check_up", dependency="database") == 1


# --- access -----------------------------------------------------------------------------------------

def test_a_client_outside_the_allowlist_is_refused_with_the_partner_403(api):
    response = api.get("/metrics", REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == FORBIDDEN
    assert b"procure_" not in response.content


def test_the_token_admits_from_anywhere_and_a_wrong_or_missing_one_does_not(api, settings):
    settings.METRICS_TOKEN = "t" * 32
    outside = {"REMOTE_ADDR": "203.0.113.7"}
    assert api.get("/metrics", HTTP_AUTHORIZATION="Bearer " + "t" * 32, **outside).status_code == 200
    for header in ("Bearer " + "u" * 32, "Bearer", "Basic " + "t" * 32, "t" * 32, ""):
        response = api.get("/metrics", HTTP_AUTHORIZATION=header, **outside)
        assert (response.status_code, response.json()) == (403, FORBIDDEN), header


def test_an_empty_allowlist_refuses_even_loopback_without_the_token(api, settings):
    settings.METRICS_ALLOWED_IPS = []
    response = api.get("/metrics")
    assert (response.status_code, response.json()) == (403, FORBIDDEN)
    settings.METRICS_TOKEN = "s" * 32
    assert api.get("/metrics", HTTP_AUTHORIZATION="Bearer " + "s" * 32).status_code == 200


def test_networks_in_the_allowlist_admit_their_addresses(api, settings):
    settings.METRICS_ALLOWED_IPS = ["10.8.0.0/16"]
    assert api.get("/metrics", REMOTE_ADDR="10.8.3.4").status_code == 200
    assert api.get("/metrics", REMOTE_ADDR="10.9.0.1").status_code == 403


def test_forwarded_for_is_believed_only_from_trusted_proxies(api, settings):
    settings.METRICS_ALLOWED_IPS = ["192.0.2.10"]
    spoofed = api.get("/metrics", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="192.0.2.10")
    assert (spoofed.status_code, spoofed.json()) == (403, FORBIDDEN)
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    proxied = api.get("/metrics", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.10")
    assert proxied.status_code == 200
    outsider_via_proxy = api.get("/metrics", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert outsider_via_proxy.status_code == 403


def test_other_methods_are_405_for_an_allowed_client(api):
    response = api.post("/metrics")
    assert response.status_code == 405
    assert response.json() == {"code": 40501, "message": "请求方法不支持", "data": None}


def test_a_scrape_by_pod_ip_is_answered_whatever_the_host(api, settings):
    settings.ALLOWED_HOSTS = ["api.example.com"]
    assert api.get("/metrics", HTTP_HOST="10.1.2.3:8000").status_code == 200


# --- the shipped alert rules and dashboard ---------------------------------------------------------

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
# Series Prometheus makes itself (not exported by the service) that the rules may name.
PROMETHEUS_OWN = {"up"}
_PROMQL_WORDS = {
    "sum", "min", "max", "avg", "count", "by", "without", "rate", "irate", "increase", "absent", "histogram_quantile",
    "le", "bool", "and", "or", "unless", "on", "ignoring", "group_left", "group_right", "offset",
}


def series_named(expr: str) -> set[str]:
    """The metric names a PromQL expression reads: identifiers outside braces, strings and ranges."""
    stripped = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # label values
    stripped = re.sub(r"\{[^}]*\}", "", stripped)  # label matchers
    stripped = re.sub(r"\[[^\]]*\]", "", stripped)  # ranges
    stripped = re.sub(r"\$\w+", "", stripped)  # Grafana variables ($__rate_interval, $instance)
    stripped = re.sub(r"\b(by|without|on|ignoring)\s*\([^()]*\)", "", stripped)  # by (a, b): label names
    names = set(re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b", stripped)) - _PROMQL_WORDS
    return {name for name in names if not re.fullmatch(r"\d.*", name)}


def test_series_named_reads_the_names_out_of_promql():
    assert series_named('sum by (route, le) (rate(procure_http_requests_total{status=~"5.."}[5m])) / '
                        'sum(rate(procure_http_requests_total[$__rate_interval])) > 0.02') == {"procure_http_requests_total"}
    assert series_named("absent(procure_presence_snapshot_age_seconds)") == {"procure_presence_snapshot_age_seconds"}


def test_every_alert_rule_reads_only_exported_metrics():
    document = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    rules = [rule for group in document["groups"] for rule in group["rules"]]
    names = {rule["alert"] for rule in rules}
    # The failures that matter each have their rule.
    assert {"ProcureHealthFailing", "ProcurePresenceSnapshotsStalled", "ProcureHigh5xxRate",
            "ProcureAnalyticsEventsFailing"} <= names
    exported = metrics.sample_names()
    for rule in rules:
        read = series_named(rule["expr"])
        assert read, rule["alert"]
        assert read <= exported | PROMETHEUS_OWN, (rule["alert"], read - exported)
        assert rule["labels"]["severity"] in {"critical", "warning"}
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]


def test_every_dashboard_panel_queries_exported_metrics():
    dashboard = json.loads((DEPLOY / "grafana" / "dashboard.json").read_text())
    exported = metrics.sample_names()
    queried = set()
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            read = series_named(target["expr"])
            assert read and read <= exported, (panel["title"], read - exported)
            queried |= read
    # Every family is on the dashboard somewhere.
    families = {re.sub(r"_(total|bucket|count|sum)$", "", name) for name in queried}
    assert families == metrics.metric_names()


PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed (Debian: apt-get install prometheus)")


@needs_promtool
def test_promtool_accepts_the_rules_and_their_unit_tests():
    rules = DEPLOY / "prometheus"
    checked = subprocess.run([PROMTOOL, "check", "rules", "alerts.yml"], cwd=rules, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run([PROMTOOL, "test", "rules", "alerts_test.yml"], cwd=rules, capture_output=True, text=True)
    assert tested.returncode == 0, tested.stdout + tested.stderr


@needs_promtool
def test_promtool_finds_nothing_to_lint_in_a_scrape(api, partner):
    _app, signed = partner
    signed.get("/api/v1/intents", secret="wrong")
    api.get("/api/v1/health")
    text = scrape(api).text
    linted = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True)
    assert linted.returncode == 0, linted.stdout + linted.stderr


# --- settings ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("env, message", [
    ({"METRICS_ALLOWED_IPS": "10.0.0.0/8,not-an-ip"},
     "METRICS_ALLOWED_IPS: 'not-an-ip' is not an IP address or network."),
    ({"METRICS_TOKEN": "short"}, "METRICS_TOKEN must be at least 24 characters; generate one with "
     "`openssl rand -hex 32` (or `make docker-env` for docker compose)."),
])
def test_bad_metrics_settings_stop_the_start_with_a_clear_message(env, message):
    from tests.core.test_settings import _refusal, run_check

    assert _refusal(run_check(env)) == f"django.core.exceptions.ImproperlyConfigured: {message}"


def test_the_defaults_admit_loopback_only_and_no_token(settings):
    assert settings.METRICS_ALLOWED_IPS == ["127.0.0.1", "::1"]
    assert settings.METRICS_TOKEN == ""
    assert "/metrics" in settings.PROBE_PATHS
