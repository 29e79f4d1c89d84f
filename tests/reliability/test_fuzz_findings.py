"""What the schema fuzzer found, each pinned by a test (the fix lives in the app)."""
import pytest

from drf_spectacular.generators import SchemaGenerator

from accounts.models import User
from accounts.tokens import token_issue
from procurement import services as procurement_services
from procurement.models import Intent
from tests.procurement.conftest import SEED_INTENT, SignedClient
from tests.support.assertions import assert_accounts_error, assert_accounts_ok, assert_partner_error, assert_plain_error


@pytest.fixture
def signed(api, db, settings):
    settings.PARTNER_CREDENTIALS_CACHE_SECONDS = 0
    app, secret = procurement_services.partner_app_create(name="Findings", app_id="findings_app")
    return SignedClient(api, app.app_id, secret)


@pytest.mark.parametrize("field, value", [
    ("remark", 1.9), ("remark", 388886), ("title", 12), ("userId", 7), ("productUrl", 1), ("title", True),
])
def test_a_number_where_the_intent_takes_a_string_is_40003(signed, field, value):
    response = signed.post("/api/v1/intents", {**SEED_INTENT, field: value})
    body = assert_partner_error(response, 400, 40003)
    assert body["data"]["field"] == field
    assert not Intent.objects.exists()


@pytest.mark.parametrize("value", ["2", 2.0, True])
def test_a_quantity_that_is_not_a_json_integer_is_40003(signed, value):
    body = assert_partner_error(signed.post("/api/v1/intents", {**SEED_INTENT, "quantity": value}), 400, 40003)
    assert body["data"]["field"] == "quantity"


def test_an_update_with_a_number_for_the_remark_changes_nothing(signed):
    created = signed.post("/api/v1/intents", SEED_INTENT).json()["data"]
    assert_partner_error(signed.patch(f"/api/v1/intents/{created['id']}", {"remark": 1.9}), 400, 40003)
    assert Intent.objects.get(id=created["id"]).remark is None


@pytest.mark.django_db
def test_a_user_without_gender_or_avatar_answers_empty_strings_the_schema_allows(api):
    user = User.objects.create_user("plain-user", "plain-pass-1")
    data = assert_accounts_ok(api.get("/api/v1/users/profile", HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)}"))
    assert (data["user"]["gender"], data["user"]["avatar_url"]) == ("", "")
    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    user_schema = schemas["User"]["properties"]
    assert "format" not in user_schema["avatar_url"]
    gender_refs = {item.get("$ref", "").rsplit("/", 1)[-1] for item in user_schema["gender"].get("oneOf", [])}
    assert "BlankEnum" in gender_refs


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["page", "pageSize"])
def test_an_empty_page_or_page_size_in_the_admin_search_is_400(api, name):
    staff = User.objects.create_user("op", "op-pass-123", is_staff=True)
    response = api.get(f"/api/v1/admin/users/search?{name}=", HTTP_AUTHORIZATION=f"Bearer {token_issue(user=staff)}")
    assert_accounts_error(response, 400)


@pytest.mark.django_db
def test_login_declares_its_401_403_and_404():
    operation = SchemaGenerator().get_schema(request=None, public=True)["paths"]["/api/v1/auth/login"]["post"]
    assert {"401", "403", "404"} <= set(operation["responses"])


@pytest.mark.django_db
def test_an_empty_window_in_the_online_count_is_a_validation_error(api):
    user = User.objects.create_user("window-user", "window-pass-1")
    response = api.get("/api/v1/presence/online-count?windowSeconds=", HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)}")
    assert_plain_error(response, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize("body", [b"[" * 1500 + b"]" * 1500, b'{"a":' * 1500 + b"1" + b"}" * 1500])
def test_json_nested_past_the_recursion_limit_is_400_not_500(signed, body):
    assert_partner_error(signed.post("/api/v1/intents", body), 400, 40003)


@pytest.mark.django_db
@pytest.mark.parametrize("field, value", [
    ("nickname", 3.803437737510045e16), ("username", 12345678), ("password", 1234567), ("phone", 13800000000),
    ("email", 5), ("nickname", True),
])
def test_a_number_where_registration_takes_a_string_is_400_and_creates_no_user(api, field, value):
    body = {"username": "new-user", "password": "new-pass-1", field: value}
    assert_accounts_error(api.post("/api/v1/auth/register", body, format="json"), 400)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_number_in_a_profile_update_changes_nothing(api):
    user = User.objects.create_user("num-user", "num-pass-1", nickname="keep")
    response = api.put("/api/v1/users/profile", {"nickname": 42}, format="json",
                       HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)}")
    assert_accounts_error(response, 400)
    user.refresh_from_db()
    assert user.nickname == "keep"


def test_the_schema_declares_that_a_price_may_be_a_json_number(signed):
    price = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"][
        "IntentCreateInputRequest"]["properties"]["price"]
    assert [option["type"] for option in price["oneOf"]] == ["number", "string"] and price["nullable"] is True
    created = signed.post("/api/v1/intents", {**SEED_INTENT, "price": 5})
    assert created.status_code == 201 and created.json()["data"]["price"] == "5.00"


def test_a_string_over_its_limit_before_trimming_is_refused(signed):
    body = assert_partner_error(signed.post("/api/v1/intents", {**SEED_INTENT, "userId": " " + "u" * 64}), 400, 40001)
    assert body["data"]["field"] == "userId"
    assert not Intent.objects.exists()


def test_reading_one_intent_with_fields_is_declared_sparse(signed):
    operation = SchemaGenerator().get_schema(request=None, public=True)["paths"]["/api/v1/intents/{intent_id}"]["get"]
    data_ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["data"]["$ref"]
    assert data_ref.endswith("/SparseIntentOutput")
    created = signed.post("/api/v1/intents", SEED_INTENT).json()["data"]
    assert signed.get(f"/api/v1/intents/{created['id']}?fields=createdAt").json()["data"] == {
        "createdAt": created["createdAt"]}
