"""The OpenAPI schema describes the analytics bodies as they are sent (plain style, no envelope)."""
import pytest

pytestmark = pytest.mark.django_db


def operation(api, path, method):
    document = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    return document, document["paths"][path][method]


def test_event_batches_take_an_optional_token_and_answer_the_plain_body(api):
    document, op = operation(api, "/api/v1/analytics/events", "post")
    assert op["security"] == [{"userJWT": []}, {}]
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/EventBatchOut"}
    assert set(document["components"]["schemas"]["EventBatchOut"]["properties"]) == {
        "accepted", "failed", "errors", "duplicates"}
    assert op["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PlainError"}


def test_dau_needs_a_token_and_documents_every_field(api):
    document, op = operation(api, "/api/v1/analytics/dau", "get")
    assert op["security"] == [{"userJWT": []}]
    assert {p["name"] for p in op["parameters"]} == {"startDate", "endDate"}
    assert set(document["components"]["schemas"]["DauOut"]["properties"]) == {"data", "total", "summary", "timeZone"}
    assert set(document["components"]["schemas"]["DauDayOut"]["properties"]) == {
        "day", "dauCount", "dauByProvince", "dauByCity"}
