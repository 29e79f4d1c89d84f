"""The OpenAPI schema carries the envelopes; the UIs load nothing from a CDN."""
import re

import pytest

pytestmark = pytest.mark.django_db

EXTERNAL = re.compile(rb"""(?:src|href)=["']?(?:https?:)?//""")


def schema(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def test_health_success_is_wrapped_in_the_partner_envelope(api):
    ok = schema(api)["paths"]["/api/v1/health"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["required"] == ["code", "message", "data"]
    assert ok["properties"]["data"] == {"$ref": "#/components/schemas/HealthData"}


def test_error_bodies_are_declared(api):
    document = schema(api)
    responses = document["paths"]["/api/v1/health"]["get"]["responses"]
    assert responses["503"]["content"]["application/json"]["schema"]["allOf"][0] == {
        "$ref": "#/components/schemas/PartnerError"
    }
    assert "500" in responses
    for name in ("PartnerError", "AccountsError", "PlainError"):
        assert name in document["components"]["schemas"]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_documentation_pages_load_nothing_from_outside(api, path):
    response = api.get(path)
    assert response.status_code == 200
    assert not EXTERNAL.search(response.content), EXTERNAL.search(response.content)
    assert b"/static/drf_spectacular_sidecar/" in response.content


def test_swagger_assets_are_served_locally(client):
    from django.contrib.staticfiles import finders

    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert finders.find("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js")
