"""The intents resource (contract §4): create, read, update, delete, status machine, duplicates, tenancy, validation."""
import random
import re

import pytest

from procurement.models import Intent
from tests.procurement.conftest import SEED_INTENT
from tests.support.assertions import ISO_MS_Z, assert_partner_error, assert_partner_ok

pytestmark = pytest.mark.django_db

FULL = {**SEED_INTENT, "title": "iPhone 16", "price": "199.00", "quantity": 2, "remark": "urgent"}


def create(signed, body=None):
    return assert_partner_ok(signed.post("/api/v1/intents", body or SEED_INTENT), status=201)


def test_create_answers_every_field_in_camel_case(signed):
    data = create(signed, FULL)
    assert set(data) == {"id", "userId", "platform", "productUrl", "title", "price", "quantity", "remark",
                         "status", "createdAt", "updatedAt"}
    assert data["price"] == "199.00"
    assert data["quantity"] == 2
    assert ISO_MS_Z.match(data["createdAt"]) and ISO_MS_Z.match(data["updatedAt"])
    row = Intent.objects.get(pk=data["id"])
    assert (row.user_id, row.title, str(row.price), row.status) == ("user_001", "iPhone 16", "199.00", "SUBMITTED")


def test_optional_fields_default_to_null_and_quantity_one(signed):
    data = create(signed)
    assert (data["title"], data["price"], data["remark"], data["quantity"]) == (None, None, None, 1)


def test_price_as_a_json_number_is_kept_to_two_places(signed):
    assert create(signed, {**SEED_INTENT, "price": 99.5})["price"] == "99.50"


INTENT_ID = re.compile(r"^intent_([0-9a-f]{24})$")  # 24 hex digits: 96 random bits


def test_ids_answered_by_the_api_carry_96_random_bits_and_never_repeat(signed):
    answered = [create(signed, {**SEED_INTENT, "userId": f"user_{n:03d}"})["id"] for n in range(20)]
    assert all(INTENT_ID.match(intent_id) for intent_id in answered), answered
    assert len(set(answered)) == len(answered)


def test_ids_are_not_guessable_from_one_another():
    make_id = Intent._meta.get_field("id").get_default  # what every create uses
    samples = [make_id() for _ in range(4000)]
    assert all(INTENT_ID.match(intent_id) for intent_id in samples)
    assert len(set(samples)) == len(samples)  # no collision (a 96-bit draw collides at ~2^48)
    values = [int(INTENT_ID.match(intent_id)[1], 16) for intent_id in samples]
    # No sequence: consecutive ids are not a counter or a clock (their differences would repeat
    # or stay small), and they are not sorted.
    steps = {b - a for a, b in zip(values, values[1:])}
    assert len(steps) == len(values) - 1
    assert sorted(values) != values
    # Every one of the 96 bits is set in about half the ids (binomial: 2000 +- 31.6; the bounds
    # are 8 standard deviations): a fixed prefix, a timestamp or a short random part fails this.
    for bit in range(96):
        ones = sum((value >> bit) & 1 for value in values)
        assert 1750 < ones < 2250, (bit, ones)


def test_ids_do_not_come_from_the_seedable_process_prng():
    # Python's `random` replays after the same seed; a CSPRNG (secrets, os.urandom) does not.
    make_id = Intent._meta.get_field("id").get_default
    random.seed(1234)
    first = [make_id() for _ in range(3)]
    random.seed(1234)
    assert [make_id() for _ in range(3)] != first


def test_status_in_a_create_body_is_ignored(signed):
    assert create(signed, {**SEED_INTENT, "status": "COMPLETED"})["status"] == "SUBMITTED"


# --- validation codes -------------------------------------------------------------------------------

@pytest.mark.parametrize("missing", ["userId", "platform", "productUrl"])
def test_a_missing_required_field_is_40002(signed, missing):
    body = {k: v for k, v in SEED_INTENT.items() if k != missing}
    payload = assert_partner_error(signed.post("/api/v1/intents", body), 400, 40002, "必填参数缺失")
    assert payload["data"]["field"] == missing
    assert payload["data"]["errors"] == [{"field": missing, "reason": payload["data"]["reason"]}]


@pytest.mark.parametrize("field,value", [
    ("price", "abc"), ("price", {"x": 1}), ("quantity", "two"), ("quantity", 1.5), ("userId", {"id": 1}),
])
def test_a_wrong_type_is_40003(signed, field, value):
    payload = assert_partner_error(signed.post("/api/v1/intents", {**SEED_INTENT, field: value}), 400, 40003)
    assert payload["data"]["field"] == field


def test_a_body_that_is_not_json_is_40003(signed):
    assert_partner_error(signed.post("/api/v1/intents", b"{not json"), 400, 40003)


@pytest.mark.parametrize("field,value,reason", [
    ("price", 0, "价格必须大于0"),
    ("price", "-1.00", "价格必须大于0"),
    ("platform", "AMAZON", None),
    ("productUrl", "ftp://example.com/x", "商品链接必须是 http 或 https 地址"),
    ("productUrl", "not a url", "商品链接必须是 http 或 https 地址"),
    ("productUrl", "https://example.com/" + "a" * 2048, None),
    ("userId", "u" * 65, None),
    ("title", "t" * 201, None),
    ("remark", "r" * 501, None),
    ("quantity", 0, None),
    ("price", "1.999", None),
    ("userId", "bad\x00id", None),
])
def test_an_invalid_value_is_40001_with_field_and_reason(signed, field, value, reason):
    payload = assert_partner_error(signed.post("/api/v1/intents", {**SEED_INTENT, field: value}), 400, 40001,
                                   "请求参数错误")
    assert payload["data"]["field"] == field
    if reason:
        assert payload["data"]["reason"] == reason
    assert not Intent.objects.exists()


def test_every_error_is_listed(signed):
    payload = signed.post("/api/v1/intents", {"platform": "X", "price": 0}).json()
    assert payload["code"] == 40002
    assert [e["field"] for e in payload["data"]["errors"]] == ["userId", "platform", "productUrl", "price"]


# --- duplicates ---------------------------------------------------------------------------------------

def test_a_second_active_intent_for_the_same_user_and_url_is_40901_naming_the_first(signed):
    first = create(signed)["id"]
    payload = assert_partner_error(signed.post("/api/v1/intents", SEED_INTENT), 409, 40901, "资源已存在")
    assert payload["data"]["id"] == first
    assert Intent.objects.count() == 1


def test_the_duplicate_rule_holds_while_processing_and_ends_when_final(signed):
    first = create(signed)["id"]
    signed.patch(f"/api/v1/intents/{first}", {"status": "PROCESSING"})
    assert_partner_error(signed.post("/api/v1/intents", SEED_INTENT), 409, 40901)
    signed.patch(f"/api/v1/intents/{first}", {"status": "COMPLETED"})
    assert create(signed)["id"] != first


def test_other_users_and_other_apps_may_ask_for_the_same_url(signed, other_signed):
    create(signed)
    create(signed, {**SEED_INTENT, "userId": "user_002"})
    create(other_signed)


def test_an_update_that_would_duplicate_an_active_intent_is_40901(signed):
    first = create(signed)["id"]
    second = create(signed, {**SEED_INTENT, "userId": "user_002"})["id"]
    payload = assert_partner_error(signed.patch(f"/api/v1/intents/{second}", {"userId": "user_001"}), 409, 40901)
    assert payload["data"]["id"] == first


# --- read, update, delete -------------------------------------------------------------------------------

def test_read_returns_the_intent(signed):
    created = create(signed, FULL)
    assert assert_partner_ok(signed.get(f"/api/v1/intents/{created['id']}")) == created


def test_read_with_fields_returns_just_those(signed):
    created = create(signed, FULL)
    data = assert_partner_ok(signed.get(f"/api/v1/intents/{created['id']}?fields=status,id"))
    assert data == {"status": "SUBMITTED", "id": created["id"]}


def test_read_refuses_unknown_query_parameters(signed):
    created = create(signed)
    assert_partner_error(signed.get(f"/api/v1/intents/{created['id']}?verbose=1"), 400, 40003)


@pytest.mark.parametrize("method", ["put", "patch"])
def test_put_and_patch_change_only_the_given_fields(signed, method):
    created = create(signed, FULL)
    data = assert_partner_ok(getattr(signed, method)(f"/api/v1/intents/{created['id']}", {"title": "New", "price": 5}))
    assert data["title"] == "New" and data["price"] == "5.00"
    assert {k: v for k, v in data.items() if k not in {"title", "price", "updatedAt"}} == {
        k: v for k, v in created.items() if k not in {"title", "price", "updatedAt"}}
    assert data["updatedAt"] >= created["updatedAt"]


def test_an_update_validates_like_a_create(signed):
    created = create(signed)
    assert_partner_error(signed.put(f"/api/v1/intents/{created['id']}", {"price": 0}), 400, 40001)
    assert_partner_error(signed.put(f"/api/v1/intents/{created['id']}", {"status": "DONE"}), 400, 40001)
    assert_partner_error(signed.put(f"/api/v1/intents/{created['id']}", {"quantity": "x"}), 400, 40003)


def test_delete_then_read_is_404(signed):
    intent_id = create(signed)["id"]
    assert signed.delete(f"/api/v1/intents/{intent_id}").status_code == 204
    assert_partner_error(signed.get(f"/api/v1/intents/{intent_id}"), 404, 40401, "资源不存在")
    assert_partner_error(signed.delete(f"/api/v1/intents/{intent_id}"), 404, 40401)


def test_an_unknown_id_is_404(signed):
    assert_partner_error(signed.get("/api/v1/intents/intent_ffffffffffffffffffffffff"), 404, 40401)
    assert_partner_error(signed.put("/api/v1/intents/intent_ffffffffffffffffffffffff", {"title": "x"}), 404, 40401)


# --- the status machine ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    ["PROCESSING", "COMPLETED"], ["PROCESSING", "FAILED"], ["PROCESSING", "CANCELLED"], ["CANCELLED"],
])
def test_allowed_status_moves(signed, path):
    intent_id = create(signed)["id"]
    for status in path:
        assert assert_partner_ok(signed.patch(f"/api/v1/intents/{intent_id}", {"status": status}))["status"] == status


@pytest.mark.parametrize("path,refused", [
    ([], "COMPLETED"), ([], "FAILED"), (["PROCESSING"], "SUBMITTED"),
    (["CANCELLED"], "PROCESSING"), (["PROCESSING", "COMPLETED"], "CANCELLED"),
    (["PROCESSING", "FAILED"], "SUBMITTED"),
])
def test_other_status_moves_are_40902(signed, path, refused):
    intent_id = create(signed)["id"]
    for status in path:
        signed.patch(f"/api/v1/intents/{intent_id}", {"status": status})
    payload = assert_partner_error(signed.patch(f"/api/v1/intents/{intent_id}", {"status": refused}), 409, 40902,
                                   "状态冲突")
    assert payload["data"]["field"] == "status"
    assert Intent.objects.get(pk=intent_id).status == (path[-1] if path else "SUBMITTED")


def test_a_final_intent_keeps_its_other_fields(signed):
    intent_id = create(signed, FULL)["id"]
    signed.patch(f"/api/v1/intents/{intent_id}", {"status": "CANCELLED"})
    payload = assert_partner_error(signed.patch(f"/api/v1/intents/{intent_id}", {"title": "late"}), 409, 40902)
    assert payload["data"]["status"] == "CANCELLED"
    assert Intent.objects.get(pk=intent_id).title == "iPhone 16"


def test_repeating_the_current_values_is_not_a_change(signed):
    intent_id = create(signed, FULL)["id"]
    signed.put(f"/api/v1/intents/{intent_id}", {"status": "CANCELLED"})
    data = assert_partner_ok(signed.put(f"/api/v1/intents/{intent_id}", {"status": "CANCELLED", "title": "iPhone 16"}))
    assert data["status"] == "CANCELLED"


# --- tenancy ---------------------------------------------------------------------------------------------

def test_another_apps_intent_is_404_for_every_method(signed, other_signed):
    intent_id = create(signed)["id"]
    assert_partner_error(other_signed.get(f"/api/v1/intents/{intent_id}"), 404, 40401)
    assert_partner_error(other_signed.put(f"/api/v1/intents/{intent_id}", {"status": "CANCELLED"}), 404, 40401)
    assert_partner_error(other_signed.patch(f"/api/v1/intents/{intent_id}", {"title": "x"}), 404, 40401)
    assert_partner_error(other_signed.delete(f"/api/v1/intents/{intent_id}"), 404, 40401)
    assert assert_partner_ok(other_signed.get("/api/v1/intents"))["total"] == 0
    assert Intent.objects.get(pk=intent_id).status == "SUBMITTED"


def test_an_unsupported_method_is_405_40501(signed):
    assert_partner_error(signed.request("PATCH", "/api/v1/intents"), 405, 40501)


def test_an_update_with_an_empty_body_changes_nothing(signed):
    created = create(signed, FULL)
    assert assert_partner_ok(signed.put(f"/api/v1/intents/{created['id']}", b"")) == created
    assert assert_partner_ok(signed.patch(f"/api/v1/intents/{created['id']}", {})) == created


def test_a_body_that_is_not_json_content_is_415_40003(signed, partner_app):
    from core.signing import signed_headers

    headers = signed_headers(partner_app.app_id, partner_app.plain_secret, "POST", "/api/v1/intents", b"a=b")
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Content-Type"}
    response = signed.api.generic("POST", "/api/v1/intents", data=b"a=b", content_type="text/plain", **meta)
    assert_partner_error(response, 415, 40003)


def test_null_clears_an_optional_field(signed):
    created = create(signed, FULL)
    data = assert_partner_ok(signed.patch(f"/api/v1/intents/{created['id']}", {"title": None, "price": None}))
    assert (data["title"], data["price"]) == (None, None)


@pytest.mark.django_db(transaction=True)
def test_the_duplicate_rule_holds_in_autocommit_mode_too(signed):
    # Outside a test transaction the INSERT runs without BEGIN/COMMIT; the index still refuses.
    first = create(signed)["id"]
    payload = assert_partner_error(signed.post("/api/v1/intents", SEED_INTENT), 409, 40901)
    assert payload["data"]["id"] == first
    assert Intent.objects.count() == 1
