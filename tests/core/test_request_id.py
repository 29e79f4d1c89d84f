"""X-Request-Id on every response, and the one structured log line per request."""
import logging

import pytest

from tests.support.assertions import REQUEST_ID

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls")]


def test_a_request_id_is_generated_in_the_documented_form(api):
    response = api.get("/api/v1/health")
    assert REQUEST_ID.match(response["X-Request-Id"])


def test_each_request_gets_a_new_id(api):
    assert api.get("/api/v1/health")["X-Request-Id"] != api.get("/api/v1/health")["X-Request-Id"]


def test_a_well_formed_client_id_is_echoed(api):
    response = api.get("/api/v1/health", HTTP_X_REQUEST_ID="client-trace_01:abc.9")
    assert response["X-Request-Id"] == "client-trace_01:abc.9"


@pytest.mark.parametrize("bad", ["x" * 65, "has space", "semi;colon", "<script>", "ünïcode"])
def test_a_malformed_client_id_is_replaced(api, bad):
    response = api.get("/api/v1/health", HTTP_X_REQUEST_ID=bad)
    assert REQUEST_ID.match(response["X-Request-Id"])


def test_a_64_character_client_id_is_accepted(api):
    assert api.get("/api/v1/health", HTTP_X_REQUEST_ID="a" * 64)["X-Request-Id"] == "a" * 64


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v1/test/boom", "/api/v1/presence/none"])
def test_errors_carry_a_request_id(api, path):
    assert REQUEST_ID.match(api.get(path)["X-Request-Id"])


def test_one_structured_log_line_per_request(api, caplog):
    with caplog.at_level(logging.INFO, logger="core.request"):
        response = api.get("/api/v1/test/partner", HTTP_X_REQUEST_ID="trace-1")
    lines = [r for r in caplog.records if r.name == "core.request"]
    assert len(lines) == 1
    line = lines[0]
    assert line.getMessage() == "http.request"
    assert (line.request_id, line.method, line.path, line.status) == ("trace-1", "GET", "/api/v1/test/partner", 200)
    assert line.duration_ms >= 0
    assert line.caller is None
    assert response["X-Request-Id"] == "trace-1"


def test_the_json_formatter_writes_one_json_object(api):
    from core.logging import JsonFormatter
    import json

    record = logging.LogRecord("core.request", logging.INFO, __file__, 1, "http.request", (), None)
    record.request_id = "r1"
    record.status = 200
    line = JsonFormatter().format(record)
    parsed = json.loads(line)
    assert parsed["event"] == "http.request" and parsed["request_id"] == "r1" and parsed["status"] == 200
    assert "\n" not in line
