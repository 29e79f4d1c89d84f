"""The OpenAPI schema documents the HMAC scheme, the envelope, every query parameter and every error."""
import pytest

pytestmark = pytest.mark.django_db



def test_the_three_signature_headers_are_one_security_requirement(document):
    schemes = document["components"]["securitySchemes"]
    assert {schemes[name]["name"] for name in ("PartnerAppId", "PartnerTimestamp", "PartnerSignature")} == {
        "X-App-Id", "X-Timestamp", "X-Signature"}
    assert "HMAC-SHA256" in schemes["PartnerSignature"]["description"]
    operation = document["paths"]["/api/v1/intents"]["post"]
    assert operation["security"] == [{"PartnerAppId": [], "PartnerTimestamp": [], "PartnerSignature": []}]


@pytest.mark.parametrize("path,method,statuses", [
    ("/api/v1/intents", "get", {"200", "400", "401", "403", "429", "500"}),
    ("/api/v1/intents", "post", {"201", "400", "401", "403", "409", "413", "429", "500"}),
    ("/api/v1/intents/{intent_id}", "get", {"200", "401", "403", "404", "429", "500"}),
    ("/api/v1/intents/{intent_id}", "put", {"200", "400", "401", "403", "404", "409", "413", "429", "500"}),
    ("/api/v1/intents/{intent_id}", "patch", {"200", "400", "401", "403", "404", "409", "413", "429", "500"}),
    ("/api/v1/intents/{intent_id}", "delete", {"204", "401", "403", "404", "429", "500"}),
])
def test_every_operation_declares_its_errors_in_the_partner_envelope(document, path, method, statuses):
    responses = document["paths"][path][method]["responses"]
    assert statuses <= set(responses)
    for status, response in responses.items():
        if status.startswith("4") or status.startswith("5"):
            schema = response["content"]["application/json"]["schema"]
            assert {"$ref": "#/components/schemas/PartnerError"} in [schema, *schema.get("allOf", [])]


def test_success_is_wrapped_in_the_envelope(document):
    ok = document["paths"]["/api/v1/intents"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["required"] == ["code", "message", "data"]
    assert ok["properties"]["data"] == {"$ref": "#/components/schemas/IntentPageOutput"}


def test_list_parameters_are_the_query_language(document):
    names = {p["name"] for p in document["paths"]["/api/v1/intents"]["get"]["parameters"]}
    assert {"page", "pageSize", "sortBy", "sortOrder", "fields", "startTime", "endTime", "filter[status]",
            "filter[status][in]", "filter[price][gte]", "filter[price][lte]", "filter[title][like]"} <= names


def test_sparse_list_items_require_no_field(document):
    assert "required" not in document["components"]["schemas"]["SparseIntentOutput"]
    assert "price" in document["components"]["schemas"]["IntentOutput"]["required"]
