"""The OpenAPI schema describes the accounts endpoints as they answer."""
import pytest

pytestmark = pytest.mark.django_db



def test_register_answers_201_in_the_accounts_envelope(document):
    operation = document["paths"]["/api/v1/auth/register"]["post"]
    ok = operation["responses"]["201"]["content"]["application/json"]["schema"]
    assert ok["required"] == ["success", "code", "message", "data"]
    assert ok["properties"]["data"] == {"$ref": "#/components/schemas/AuthResult"}
    assert {"400", "413", "429"} <= set(operation["responses"])
    assert "security" not in operation or operation["security"] in ([], [{}])


def test_profile_and_admin_endpoints_declare_their_jwt(document):
    assert document["paths"]["/api/v1/users/profile"]["get"]["security"] == [{"userJWT": []}]
    assert document["paths"]["/api/v1/admin/users/batch-status"]["post"]["security"] == [{"adminJWT": []}]
    schemes = document["components"]["securitySchemes"]
    assert schemes["userJWT"]["scheme"] == "bearer" and schemes["adminJWT"]["bearerFormat"] == "JWT"


def test_the_user_json_has_exactly_the_contract_fields(document):
    assert set(document["components"]["schemas"]["User"]["properties"]) == {
        "id", "username", "nickname", "real_name", "email", "phone", "avatar_url", "gender", "birthday",
        "user_type", "status", "created_at", "updated_at",
    }


def test_the_profile_update_takes_the_six_fields(document):
    assert set(document["components"]["schemas"]["ProfileUpdateInputRequest"]["properties"]) == {
        "nickname", "avatar", "gender", "birthday", "phone", "email"}


def test_health_and_system_stats_show_their_bodies_at_the_top_level_and_errors_in_the_accounts_style(document):
    # As they answer: 002's objects themselves, no accounts envelope around them.
    health = document["paths"]["/health"]["get"]["responses"]
    assert health["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/HealthResult"}
    assert health["503"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/HealthDownResult"}
    schemas = document["components"]["schemas"]
    assert list(schemas["HealthDownResult"]["properties"]) == ["status", "timestamp", "uptime", "environment", "details"]
    stats = document["paths"]["/system-stats"]["get"]["responses"]
    assert stats["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/SystemStatsResult"}
    # Their errors of auth (and 500) stay in the accounts style.
    accounts_error = {"$ref": "#/components/schemas/AccountsError"}
    for status in ("401", "403", "500"):
        assert stats[status]["content"]["application/json"]["schema"] == accounts_error, status
    assert document["paths"]["/health"]["get"]["responses"]["500"]["content"]["application/json"]["schema"] == accounts_error
