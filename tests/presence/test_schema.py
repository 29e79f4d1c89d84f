"""The OpenAPI schema describes presence's real bodies: plain success, the 003 error body."""
import pytest

pytestmark = pytest.mark.django_db



def test_presence_success_bodies_are_plain_and_errors_are_the_003_body(document):
    heartbeat = document["paths"]["/api/v1/presence/heartbeat"]["post"]
    ok = heartbeat["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/HeartbeatOutput"}
    for status in ("400", "401", "429", "503"):
        error = heartbeat["responses"][status]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/PlainError"}, status
    assert heartbeat["security"] == [{"userJWT": []}]


def test_heartbeat_input_declares_the_seed_fields_and_bounds(document):
    schema = document["components"]["schemas"]["HeartbeatInputRequest"]
    assert sorted(schema["required"]) == ["appVersion", "clientTs", "installId"]
    assert schema["properties"]["installId"]["minLength"] == 8
    assert schema["properties"]["installId"]["maxLength"] == 64
    assert schema["properties"]["clientTs"]["type"] == "number"


def test_query_parameters_are_declared(document):
    count = document["paths"]["/api/v1/presence/online-count"]["get"]
    window = next(p for p in count["parameters"] if p["name"] == "windowSeconds")
    assert (window["schema"]["minimum"], window["schema"]["maximum"], window["schema"]["default"]) == (1, 3600, 180)
    history = document["paths"]["/api/v1/presence/online-history"]["get"]
    assert {p["name"] for p in history["parameters"]} == {"startTime", "endTime", "interval"}
