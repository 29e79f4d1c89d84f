"""The OpenAPI schema carries the envelopes; the UIs load nothing from a CDN."""
import re

from django.conf import settings
from django.test import override_settings
import pytest
from rest_framework.test import APIClient

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


# The production storage and middleware (config/settings.py with DEBUG off).
PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
STATIC_REF = re.compile(r"""(?:src|href)=["'](/static/[^"']+)["']""")
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


@pytest.fixture(scope="module")
def production_static(tmp_path_factory):
    """`collectstatic` into a directory of its own, then settings that serve it as production does."""
    from django.core.management import call_command

    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=root, STORAGES=PRODUCTION_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
    middleware = list(settings.MIDDLEWARE)
    if "whitenoise.middleware.WhiteNoiseMiddleware" not in middleware:
        middleware.insert(middleware.index("django.middleware.security.SecurityMiddleware") + 1,
                          "whitenoise.middleware.WhiteNoiseMiddleware")
    return {"STATIC_ROOT": root, "STORAGES": PRODUCTION_STORAGES, "MIDDLEWARE": middleware, "DEBUG": False}


def unhashed(ref: str) -> str:
    """The file name without the manifest's content hash: swagger-ui.1a2b3c4d5e6f.css -> swagger-ui.css."""
    return re.sub(r"\.[0-9a-f]{12}(?=\.[a-z]+$)", "", ref.rsplit("/", 1)[-1])


@pytest.mark.parametrize("path, expected", [
    ("/api/docs/", {"swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"}),
    ("/api/redoc/", {"redoc.standalone.js"}),
])
def test_every_asset_a_documentation_page_references_is_served_by_whitenoise(production_static, path, expected):
    with override_settings(**production_static):
        api = APIClient()  # a new handler: WhiteNoise indexes the collected directory at start
        page = api.get(path)
        assert page.status_code == 200
        refs = STATIC_REF.findall(page.content.decode())
        assert expected <= {unhashed(ref) for ref in refs}, refs
        assert all(unhashed(ref) != ref.rsplit("/", 1)[-1] for ref in refs), refs  # manifest names
        for ref in refs:
            response = api.get(ref)
            assert response.status_code == 200, ref
            suffix = "." + ref.rsplit(".", 1)[-1]
            assert response["Content-Type"].startswith(CONTENT_TYPES[suffix]), (ref, response["Content-Type"])
            body = b"".join(response.streaming_content) if response.streaming else response.content
            # The very bytes collectstatic wrote (not a page, not an empty answer).
            collected = (production_static["STATIC_ROOT"] / ref.removeprefix("/static/")).read_bytes()
            assert body == collected and len(body) == int(response["Content-Length"]) > 0, ref
            # Hashed names from the manifest: cached for good, as WhiteNoise marks them.
            assert "immutable" in response["Cache-Control"], ref
