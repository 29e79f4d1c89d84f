"""Wrong JSON types, null and non-object bodies on the intents resource (contract §2: 40003, Chinese reasons)."""
import pytest

from procurement.models import Intent
from tests.procurement.conftest import SEED_INTENT
from tests.support.assertions import assert_partner_error, assert_partner_ok

pytestmark = pytest.mark.django_db

URL = "/api/v1/intents"
STRING_FIELDS = ["userId", "platform", "productUrl", "title", "remark", "status"]
# The shapes a string field must refuse as a type error, with the reason answered.
NOT_A_STRING = [(123, "必须是字符串"), (1.5, "必须是字符串"), (True, "必须是字符串"),
                ([], "必须是字符串"), (["TAOBAO"], "必须是字符串"), ({}, "必须是字符串"), ({"a": 1}, "必须是字符串")]
CASES = (
    [(field, value, reason) for field in STRING_FIELDS for value, reason in NOT_A_STRING]
    + [("price", value, "必须是数字") for value in ("abc", "1,5", True, [], [1], {}, {"a": 1})]
    + [("quantity", value, "必须是整数") for value in ("two", "2", 2.0, 2.5, True, [], [1], {}, {"a": 1})]
)


@pytest.fixture
def intent_id(signed):
    return assert_partner_ok(signed.post(URL, SEED_INTENT), status=201)["id"]


def _wrong_type(response, field, reason):
    payload = assert_partner_error(response, 400, 40003, "参数格式错误")
    assert payload["data"] == {"field": field, "reason": reason, "errors": [{"field": field, "reason": reason}]}


@pytest.mark.parametrize("field, value, reason", CASES)
def test_a_value_of_the_wrong_type_is_40003_on_create(signed, field, value, reason):
    _wrong_type(signed.post(URL, {**SEED_INTENT, field: value}), field, reason)
    assert not Intent.objects.exists()


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("field, value, reason", CASES)
def test_a_value_of_the_wrong_type_is_40003_on_update(signed, intent_id, method, field, value, reason):
    before = Intent.objects.values().get(pk=intent_id)
    _wrong_type(getattr(signed, method)(f"{URL}/{intent_id}", {field: value}), field, reason)
    assert Intent.objects.values().get(pk=intent_id) == before


@pytest.mark.parametrize("body", [b"null", b"[]", b'[{"userId": "u"}]', b'"text"', b"5", b"true"])
@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_a_body_that_is_not_an_object_is_40003_in_chinese(signed, intent_id, method, body):
    target = URL if method == "post" else f"{URL}/{intent_id}"
    payload = assert_partner_error(getattr(signed, method)(target, body), 400, 40003, "参数格式错误")
    reason = "请求体必须是 JSON 对象"
    assert payload["data"] == {"field": "", "reason": reason, "errors": [{"field": "", "reason": reason}]}


# --- null: refused (40001), or missing (40002) only for a create's required fields -------------

def _refused_null(response, field):
    payload = assert_partner_error(response, 400, 40001, "请求参数错误")
    assert payload["data"] == {"field": field, "reason": "不能为 null", "errors": [{"field": field, "reason": "不能为 null"}]}


def test_null_quantity_is_refused_with_40001_on_create(signed):
    _refused_null(signed.post(URL, {**SEED_INTENT, "quantity": None}), "quantity")


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("field", ["userId", "platform", "productUrl", "quantity", "status"])
def test_null_for_a_field_that_cannot_be_cleared_is_40001_on_update(signed, intent_id, method, field):
    _refused_null(getattr(signed, method)(f"{URL}/{intent_id}", {field: None}), field)


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("field", ["userId", "platform", "productUrl"])
def test_an_empty_string_for_a_required_field_is_40001_on_update(signed, intent_id, method, field):
    payload = assert_partner_error(getattr(signed, method)(f"{URL}/{intent_id}", {field: ""}), 400, 40001)
    assert payload["data"]["field"] == field


@pytest.mark.parametrize("field", ["userId", "platform", "productUrl"])
def test_null_for_a_required_field_on_create_is_missing(signed, field):
    payload = assert_partner_error(signed.post(URL, {**SEED_INTENT, field: None}), 400, 40002, "必填参数缺失")
    assert payload["data"] == {"field": field, "reason": "不能为 null", "errors": [{"field": field, "reason": "不能为 null"}]}


def test_a_missing_required_field_says_so_in_chinese(signed):
    payload = assert_partner_error(signed.post(URL, {"platform": "JD", "productUrl": "https://jd.com/1"}),
                                   400, 40002, "必填参数缺失")
    assert payload["data"]["errors"] == [{"field": "userId", "reason": "缺少该字段"}]


@pytest.mark.parametrize("field, value, reason", [
    ("platform", "AMAZON", "不是允许的取值"),
    ("title", "t" * 201, "长度不能超过 200 个字符"),
    ("userId", "u" * 65, "长度不能超过 64 个字符"),
    ("price", "1.999", "小数不能超过 2 位"),
    ("price", "12345678901.5", "整数部分不能超过 10 位"),
    ("quantity", 0, "不能小于 1"),
    ("quantity", 2**70, "不能大于 2147483647"),
    ("userId", "bad\x00id", "不能包含 NUL 字符"),
])
def test_drf_reasons_are_answered_in_the_services_chinese(signed, field, value, reason):
    payload = assert_partner_error(signed.post(URL, {**SEED_INTENT, field: value}), 400, 40001)
    assert payload["data"]["errors"] == [{"field": field, "reason": reason}]
