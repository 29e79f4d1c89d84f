"""
Event content the stores cannot keep exactly as sent fails its own event, never the batch
(contract §8): raw bodies, since the cases are about what the JSON text says.
"""
import json

import pytest

from analytics.models import Event
from analytics.validation import Unstorable
from tests.analytics.helpers import EVENTS_URL, event
from tests.support.assertions import assert_plain_error

pytestmark = pytest.mark.django_db


def raw_event(properties_text: str, install="install-0001", **fields) -> str:
    """One event as JSON text whose `properties` is the given text, verbatim."""
    body = json.dumps(event(install=install, **fields))
    return body[:-1] + f', "properties": {properties_text}}}'


def post_raw(api, *event_texts: str):
    return api.post(EVENTS_URL, '{"events": [' + ", ".join(event_texts) + "]}", content_type="application/json")


def nested(depth: int, leaf: str = "1") -> str:
    """properties nested `depth` levels deep, properties itself counted: {"a":[[...leaf...]]}."""
    return '{"a":' + "[" * (depth - 1) + leaf + "]" * (depth - 1) + "}"


@pytest.mark.parametrize("properties_text, message", [
    (nested(33), Unstorable.DEPTH),
    (nested(500), Unstorable.DEPTH),  # orjson could not even write it (254 levels)
    (nested(5000), Unstorable.DEPTH),  # past Python's recursion limit: the body is read without recursion
    (nested(200_000), Unstorable.DEPTH),
    ('{"a":' + '{"b":' * 40 + "1" + "}" * 41, Unstorable.DEPTH),
    ('{"n": 18446744073709551616}', Unstorable.INTEGER),  # 2^64
    ('{"n": -9223372036854775809}', Unstorable.INTEGER),  # -2^63 - 1
    ('{"n": [1, 123456789012345678901234567890]}', Unstorable.INTEGER),
    ('{"n": ' + "9" * 5000 + "}", Unstorable.INTEGER),  # past Python's 4,300-digit int limit
    ('{"f": 1e400}', Unstorable.NON_FINITE),  # json reads inf, orjson would have written null
    ('{"f": -1.5E+309}', Unstorable.NON_FINITE),
    ('{"f": NaN}', Unstorable.NON_FINITE),
    ('{"f": Infinity}', Unstorable.NON_FINITE),
    ('{"f": [-Infinity]}', Unstorable.NON_FINITE),
    ('{"os": "iOS", "os": "Android"}', Unstorable.REPEATED_KEY),
    ('{"x": {"k": 1, "k": 1}}', Unstorable.REPEATED_KEY),
    ('{"s": "a\\u0000b"}', Unstorable.NUL),
    ('{"s": "\\udbff"}', Unstorable.SURROGATE),
    ('{"s": "\\ud83d\\ude00\\ude00"}', Unstorable.SURROGATE),  # a pair, then a lone low half
])
def test_content_that_cannot_be_stored_fails_its_event_alone(api, properties_text, message):
    response = post_raw(api, raw_event('{"ok": true}', install="install-0000"), raw_event(properties_text),
                        raw_event('{"ok": 2}', install="install-0002"))
    assert response.status_code == 200
    assert response.json() == {"accepted": 2, "failed": 1, "errors": [{"index": 1, "message": message}],
                               "duplicates": 0}
    assert dict(Event.objects.values_list("install_id", "properties")) == {
        "install-0000": {"ok": True}, "install-0002": {"ok": 2}}


@pytest.mark.parametrize("properties_text, stored", [
    (nested(32), {"a": json.loads("[" * 31 + "1" + "]" * 31)}),
    ('{"n": [18446744073709551615, -9223372036854775808, 0, -0]}', {"n": [2 ** 64 - 1, -(2 ** 63), 0, 0]}),
    ('{"f": [1.7976931348623157e308, 5e-324, 0.1, -2.5E-3]}', {"f": [1.7976931348623157e308, 5e-324, 0.1, -0.0025]}),
    ('{"s": "\\ud83d\\ude00 省 \\u001f \\\\u0000"}', {"s": "😀 省 \x1f \\u0000"}),  # a pair is one character
    ('{"' + "k" * 8000 + '": 1}', {"k" * 8000: 1}),  # a long key is fine within 8 KB
    ('{"Os": 1, "os": 2, "": 3}', {"Os": 1, "os": 2, "": 3}),
])
def test_content_at_the_edges_is_stored_and_reads_back_as_sent(api, properties_text, stored):
    response = post_raw(api, raw_event(properties_text))
    assert response.json() == {"accepted": 1, "failed": 0, "errors": [], "duplicates": 0}
    value = Event.objects.get().properties
    if "f" in stored:
        # jsonb keeps numbers as decimals and may answer 1.7976931348623157e308 as its 309-digit
        # integer: the same JSON number, which must still be the same double.
        assert [float(x) for x in value.pop("f")] == stored.pop("f")
    assert value == stored


def test_deep_content_outside_properties_is_judged_by_the_field_rules(api):
    deep = "[" * 3000 + "]" * 3000
    response = post_raw(api, '{"eventName": ' + deep + ', "installId": "install-0001", "clientTs": 1}',
                        raw_event('{"ok": 1}', install="install-0002", ignored=None).replace('"ignored": null', '"ignored": ' + deep))
    assert response.json() == {"accepted": 1, "failed": 1, "duplicates": 0,
                               "errors": [{"index": 0, "message": "eventName must be a string"}]}
    assert list(Event.objects.values_list("install_id", flat=True)) == ["install-0002"]


@pytest.mark.parametrize("fields, message", [
    ('"clientTs": NaN', "clientTs must be a number"),
    ('"clientTs": -Infinity', "clientTs must be a number"),
    ('"clientTs": 1e400', "clientTs must be a number"),
    ('"clientTs": ' + "9" * 5000, "clientTs must not be more than 600 seconds ahead of server time"),
    ('"clientTs": -' + "9" * 30, "clientTs must not be older than 30 days"),
    ('"userId": 1e400', "userId must be a string or an integer"),
    ('"userId": ' + "1" * 65, "userId must be 1-64 characters"),
])
def test_numbers_in_event_fields_fail_their_event_alone(api, fields, message):
    base = {"eventName": "app_session_start", "installId": "install-0001", "clientTs": event()["clientTs"]}
    base.pop(fields.split('"')[1], None)  # the field under test is given once, as raw text
    broken = json.dumps(base)[:-1] + ", " + fields + "}"
    response = post_raw(api, broken, raw_event("{}", install="install-0002"))
    assert response.status_code == 200
    assert response.json()["errors"] == [{"index": 0, "message": message}]
    assert list(Event.objects.values_list("install_id", flat=True)) == ["install-0002"]


def test_a_long_integer_user_id_is_stored_as_its_digits(api):
    digits = "1234567890" * 6
    response = post_raw(api, json.dumps(event())[:-1] + ', "userId": ' + digits + "}")
    assert response.json()["accepted"] == 1
    assert Event.objects.get().user_id == digits


def test_an_event_that_repeats_a_field_fails_alone(api):
    repeated = json.dumps(event())[:-1] + ', "eventName": "other_name"}'
    response = post_raw(api, repeated, raw_event("{}", install="install-0002"))
    assert response.json()["errors"] == [{"index": 0, "message": Unstorable.REPEATED_FIELD}]
    assert Event.objects.count() == 1


def test_the_size_limit_is_measured_on_the_stored_json(api):
    # 8,192 bytes once written compactly, although the text sent is padded with whitespace.
    value = "é" * ((8192 - len('{"k":""}')) // 2)
    response = post_raw(api, raw_event('{  "k" :  "' + value + '"  }'))
    assert response.json()["accepted"] == 1
    response = post_raw(api, raw_event('{"k":"' + value + 'x"}', install="install-0002"))
    assert response.json()["errors"] == [{"index": 0, "message": "properties must not exceed 8192 bytes as JSON"}]


@pytest.mark.parametrize("body", [
    b'{"events": [' + b"[" * 5000 + b"]" * 4999 + b"]}",  # deep and unbalanced
    b'{"events": [' + b"[" * 5000 + b"}" * 5000 + b"]}",  # deep, closed with the wrong brackets
    b'{"events": [' + b"[1," * 3000 + b"]" * 3000 + b"]}",  # deep, a trailing comma
    b'{"events": [{"eventName": "a\xff"}]}',  # not UTF-8
    b'{"events": [NaN',
    b'{"events": [1e400]] ',
])
def test_a_body_that_is_not_json_as_a_whole_stays_a_400(api, body):
    response = api.post(EVENTS_URL, body, content_type="application/json")
    assert_plain_error(response, 400, "VALIDATION_ERROR")
    assert not Event.objects.exists()


@pytest.mark.parametrize("body, messages", [
    ('{"events": [], "events": []}', ["events must be given only once"]),
    ("[" * 5000 + "]" * 5000, ["request body must be a JSON object"]),
])
def test_batch_level_problems_still_refuse_the_whole_body(api, body, messages):
    response = api.post(EVENTS_URL, body, content_type="application/json")
    assert assert_plain_error(response, 400, "VALIDATION_ERROR")["message"] == messages
