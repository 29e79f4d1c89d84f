"""
What Swagger UI and ReDoc show for each operation (issue "Wire conformance", items 10 and 11):
every error response carries examples of its own status, code, message and data shape, made
from the tables the service answers from; every example validates against its own schema;
every operation has a user-facing summary and description, not a view's docstring.
"""
import inspect
import re

from drf_spectacular.generators import SchemaGenerator
import pytest

from accounts.errors import Msg
from analytics.errors import AnalyticsError
from core.codes import PARTNER_MESSAGES, PartnerCode
from core.styles import STYLES, style_for_path
from presence.errors import MESSAGES as PRESENCE_MESSAGES
from tests.support.openapi import OpenAPIDocument

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u4e00-\u9fff]")


def error_responses(document):
    for path, method, operation in OpenAPIDocument(document).operations():
        for status, response in operation["responses"].items():
            if status[0] in "45":
                yield path, method, status, response


def test_every_error_response_has_examples_of_its_own_status(document):
    missing = []
    for path, method, status, response in error_responses(document):
        media = response["content"]["application/json"]
        if path in {"/health"} and status == "503":
            continue  # 002's own report object: its schema is the documentation
        if not media.get("examples"):
            missing.append(f"{method} {path} {status}")
            continue
        for name, example in media["examples"].items():
            value = example["value"]
            code = value.get("statusCode", value.get("code"))
            style = style_for_path(path)
            if style.name == "partner":
                # A code names its status, or the style answers it with this one (413/414 → 40001);
                # 000's health codes are 5000x on a 503.
                statuses = {str(code)[:3]} | {str(s) for s, c, _ in style.kinds.values() if c == code}
                assert status in statuses or (path, status) == ("/api/v1/health", "503"), (path, status, value)
                expected = PARTNER_MESSAGES[PartnerCode(code)]
                if (path, status, code) == ("/api/v1/health", "503", 50001):
                    expected = PartnerCode.UNAVAILABLE.message  # 000: Redis down answers 50001 "服务暂时不可用"
                assert value["message"] == expected, (method, path, status, value)
            else:
                assert code == int(status), (method, path, status, name, value)
    assert not missing, missing


def test_examples_validate_against_their_own_schema(document):
    """Every documented example, success or error, is a body its response schema accepts."""
    api = OpenAPIDocument(document)
    failures, checked = [], 0
    for path, method, operation in api.operations():
        for status, response in operation["responses"].items():
            for media_type, media in response.get("content", {}).items():
                values = [example["value"] for example in media.get("examples", {}).values()]
                if "example" in media:
                    values.append(media["example"])
                for value in values:
                    checked += 1
                    failures += [f"{method} {path} {status}: {error}" for error in api.errors(media["schema"], value)]
    assert checked > 100 and not failures, failures


def examples_of(document, path, method, status):
    return [example["value"] for example in
            document["paths"][path][method]["responses"][status]["content"]["application/json"]["examples"].values()]


def test_partner_errors_show_their_codes_and_data_shapes(document):
    codes = lambda status: [value["code"] for value in examples_of(document, "/api/v1/intents", "post", status)]
    assert codes("400") == [40001, 40002, 40003]
    assert codes("401") == [40101, 40101, 40102, 40103, 40104]
    assert codes("403") == [40301, 40302]
    assert codes("409") == [40901]
    assert codes("413") == [40001]
    assert codes("429") == [42901]
    assert codes("500") == [50001]
    validation = examples_of(document, "/api/v1/intents", "post", "400")[0]["data"]
    assert set(validation) == {"field", "reason", "errors"} and validation["errors"][0]["field"] == validation["field"]
    mismatch = examples_of(document, "/api/v1/intents", "post", "401")[1]["data"]
    assert set(mismatch["signed"]) == {"method", "target", "timestamp", "bodyLength", "bodySha256"}
    duplicate = examples_of(document, "/api/v1/intents", "post", "409")[0]["data"]
    assert duplicate["id"].startswith("intent_")
    moves = [value["code"] for value in examples_of(document, "/api/v1/intents/{intent_id}", "patch", "409")]
    assert moves[:2] == [40902, 40902]


def test_health_shows_its_own_messages(document):
    health = document["paths"]["/api/v1/health"]["get"]["responses"]
    assert health["200"]["content"]["application/json"]["schema"]["properties"]["message"]["example"] == "服务正常运行"
    down = examples_of(document, "/api/v1/health", "get", "503")
    assert [(value["code"], value["message"], value["data"]["status"]) for value in down] == [
        (50002, "数据库连接失败", "degraded"), (50001, "服务暂时不可用", "unhealthy")]


def test_accounts_and_003_errors_come_from_their_tables(document):
    login = {status: [value["message"] for value in examples_of(document, "/api/v1/auth/login", "post", status)]
             for status in ("401", "403", "404", "429")}
    assert login == {"401": [Msg.WRONG_PASSWORD], "403": [Msg.ACCOUNT_DISABLED], "404": [Msg.USER_NOT_FOUND],
                     "429": [Msg.RATE_LIMITED, Msg.LOGIN_LOCKED]}
    assert all(value["success"] is False for value in examples_of(document, "/api/v1/users/profile", "get", "401"))
    history = examples_of(document, "/api/v1/presence/online-history", "get", "400")
    assert [(value["error"], value["message"]) for value in history] == [
        (code.value, message) for code, message in PRESENCE_MESSAGES.items()]
    dau = examples_of(document, "/api/v1/analytics/dau", "get", "400")
    assert [value["error"] for value in dau] == ["INVALID_DATE_FORMAT", "DATE_RANGE_TOO_LARGE"]
    assert dau[1]["message"] == AnalyticsError.DATE_RANGE_TOO_LARGE.value[2]
    plain_401 = examples_of(document, "/api/v1/presence/heartbeat", "post", "401")[0]
    assert plain_401 == {**plain_401, "statusCode": 401, "error": STYLES["plain"].kinds["not_authenticated"][1],
                         "path": "/api/v1/presence/heartbeat", "method": "POST"}


def test_no_two_statuses_of_an_operation_show_the_same_example(document):
    for path, method, operation in OpenAPIDocument(document).operations():
        seen = {}
        for status, response in operation["responses"].items():
            for example in response.get("content", {}).get("application/json", {}).get("examples", {}).values():
                key = repr(example["value"])
                assert key not in seen, (method, path, status, seen.get(key))
                seen[key] = status


def _view_docstrings():
    """operationId -> the docstrings of the view class behind it and of its bases."""
    generator = SchemaGenerator()
    generator.endpoints = generator.endpoints or generator.endpoint_inspector_cls(
        generator.patterns, generator.urlconf).get_api_endpoints()
    docs = {}
    for path, _regex, method, view in generator._get_paths_and_endpoints():
        strings = {inspect.cleandoc(klass.__doc__) for klass in type(view).__mro__ if klass.__doc__}
        handler = getattr(view, method.lower(), None)
        if handler is not None and handler.__doc__:
            strings.add(inspect.cleandoc(handler.__doc__))
        docs[(path, method.lower())] = strings
    return docs


def test_every_operation_has_a_user_facing_summary_and_description(document):
    docstrings = _view_docstrings()
    problems = []
    for path, method, operation in OpenAPIDocument(document).operations():
        if method == "head":
            continue
        summary, description = operation.get("summary", ""), operation.get("description", "")
        if not summary.strip() or not HAN.search(summary):
            problems.append(f"{method} {path}: summary {summary!r} (a Chinese summary is required)")
        if not description.strip() or not HAN.search(description):
            problems.append(f"{method} {path}: description {description!r} (a Chinese description is required)")
        own = docstrings.get((path, method), set())
        if any(description.strip() == text or description.strip().startswith(text.split("\n")[0])
               for text in own if text):
            problems.append(f"{method} {path}: the description is a view docstring: {description[:60]!r}")
    assert not problems, "\n".join(problems)
