"""
What the OpenAPI document tells API users about each operation: its summary and
description, the message of its success body, and one example per error it can
answer (status, business code, message and data shape).

The examples are built by the same style objects and code tables the service
answers from (`core.styles`, `core.codes`, and each app's error tables), so a
changed message or code changes the documentation with it:

- style-wide errors come from `style.kinds` (every status the style answers) and,
  for 400, from the style's validation mapping (partner 40001/40002/40003);
- the partner signature errors (40101 … 40104, 40301, 40302, 42901, 50301) are
  core's, as `core.partner_auth` raises them;
- operation-specific texts and errors come from each app's `openapi.py`, whose
  `OPERATIONS` maps an operationId to `{"summary", "description",
  "success_message", "errors": {status: [(code, message, data), …]}}`. The
  modules are found by autodiscovery, so core imports no app.

`core.schema.wrap_responses_in_envelopes` calls `describe_operations` last.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from django.apps import apps

from core.codes import PartnerCode as C
from core.styles import STYLES, FieldError, Problem

# The 003 error body's timestamp is the time of the answer; examples carry a fixed one
# so that the document is the same on every request.
EXAMPLE_TIMESTAMP = "2026-01-01T08:00:00.000Z"

_SIGNED = {"method": "POST", "target": "/api/v1/intents", "timestamp": "1767225600000",
           "bodyLength": 132, "bodySha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}

# Partner: the signature scheme (core.partner_auth), shared by every signed operation.
PARTNER_SIGNED_ERRORS = {
    "401": [
        (C.SIGNATURE_INVALID, {"field": "X-Signature", "reason": "缺少请求头 X-Signature"}),
        (C.SIGNATURE_INVALID, {"field": "X-Signature",
                               "reason": "签名不匹配:请将 data.signed 与你签名的内容逐项比对", "signed": _SIGNED}),
        (C.TIMESTAMP_EXPIRED, {"field": "X-Timestamp", "reason": "与服务器时间相差超过 300 秒",
                               "serverTime": 1767225600000}),
        (C.APP_NOT_FOUND, {"field": "X-App-Id", "reason": "App ID 不存在"}),
        (C.REQUEST_REPLAYED, {"field": "X-Signature", "reason": "该签名已使用过,请用新的时间戳重新签名"}),
    ],
    "403": [
        (C.IP_NOT_ALLOWED, {"ip": "203.0.113.7"}),
        (C.FORBIDDEN, {"reason": "应用已停用"}),
    ],
    "429": [(C.RATE_LIMITED, None)],
    "503": [(C.UNAVAILABLE, {"reason": "防重放存储暂时不可用,请稍后用新的时间戳重试"})],
}

# Partner 400s: the validation mapping of contract §2, one example per code.
PARTNER_VALIDATION = [
    ("price", "价格必须大于0", "invalid_value"),  # -> 40001
    ("userId", "该字段是必填项。", "required"),  # -> 40002
    ("quantity", "请填写合法的整数。", "invalid"),  # -> 40003
]


@dataclass(frozen=True)
class _Request:
    """What a style's error_body reads of a request (the 003 body names path and method)."""

    path: str
    method: str


def _partner_case(code: C, data) -> tuple:
    return (code, code.message, data)


def validation_case(style_name: str, field: str, reason: str, kind: str = "invalid") -> tuple:
    """(code, message, data) of a validation error, as the style's validation mapping shapes it."""
    problem = STYLES[style_name].validation_problem([FieldError(field, reason, kind)])
    return (problem.code, problem.message, problem.data)


def style_errors(style, status: str, *, signed: bool) -> list[tuple]:
    """(code, message, data) of every answer the style gives with `status`."""
    cases: list[tuple] = []
    if style.name == "partner":
        if status == "400":
            cases += [validation_case("partner", field, reason, kind) for field, reason, kind in PARTNER_VALIDATION]
        if signed:
            cases += [_partner_case(code, data) for code, data in PARTNER_SIGNED_ERRORS.get(status, [])]
    elif style.name == "accounts" and status == "400":
        problem = style.validation_problem([])
        cases.append((problem.code, problem.message, problem.data))
    elif style.name == "plain" and status == "400":
        cases.append(validation_case("plain", "installId", "must be longer than or equal to 8 characters"))
    for kind_status, code, message in style.kinds.values():
        if str(kind_status) == status and not any(c == code for c, _, _ in cases):
            cases.append((code, message, None))
    return cases


def example_body(style, path: str, method: str, status: str, code, message, data):
    """The body the style answers for this error: the same `error_body` the service uses."""
    body = style.error_body(Problem(status=int(status), code=code, message=message, data=data),
                            _Request(path=path, method=method.upper()))
    if isinstance(body, dict) and "code" in body and "success" not in body:
        body["code"] = int(body["code"])
    if isinstance(body, dict) and "timestamp" in body and "statusCode" in body:
        body["timestamp"] = EXAMPLE_TIMESTAMP
    return body


def error_examples(style, path, method, status, cases) -> dict:
    examples = {}
    for index, (code, message, data) in enumerate(cases, start=1):
        code_text = str(int(code)) if isinstance(code, int) else str(getattr(code, "value", code))
        label = message if isinstance(message, str) else "; ".join(message)
        if isinstance(data, dict) and data.get("reason"):
            label = f"{label}: {data['reason']}"
        key = f"{code_text}-{index}" if any(c == code for c, _, _ in cases[:index - 1] + cases[index:]) else code_text
        examples[key] = {"summary": f"{code_text} {label}",
                         "value": example_body(style, path, method, status, code, message, data)}
    return examples


_catalogue: dict | None = None


def operation_catalogue() -> dict:
    """operationId -> texts and errors, from core's table and every app's `openapi.OPERATIONS`."""
    global _catalogue
    if _catalogue is None:
        catalogue = dict(CORE_OPERATIONS)
        for config in apps.get_app_configs():
            try:
                module = import_module(f"{config.name}.openapi")
            except ModuleNotFoundError as error:
                if error.name != f"{config.name}.openapi":
                    raise
                continue
            catalogue.update(getattr(module, "OPERATIONS", {}))
        _catalogue = catalogue
    return _catalogue


def _is_error_schema(schema) -> bool:
    """Whether a response schema is one of the styles' error bodies (the envelope hook's refs)."""
    schema = schema or {}
    refs = [schema.get("$ref", "")] + [part.get("$ref", "") for part in schema.get("allOf", [])]
    return any(ref.endswith(("/PartnerError", "/AccountsError", "/PlainError")) for ref in refs)


def _is_signed(operation) -> bool:
    return any("PartnerSignature" in requirement for requirement in operation.get("security", []) or [])


def describe_operations(result, style_for_path, view_for) -> None:
    """Summaries, descriptions, success messages and error examples on every operation."""
    catalogue = operation_catalogue()
    for path, operations in result.get("paths", {}).items():
        style = style_for_path(path)
        for method, operation in operations.items():
            if method not in {"get", "put", "patch", "post", "delete"}:
                continue
            entry = catalogue.get(operation.get("operationId"), {})
            if entry.get("summary"):
                operation["summary"] = entry["summary"]
            if entry.get("description"):
                operation["description"] = entry["description"]
            view = view_for(path, method)
            responses = operation.get("responses", {})
            for status, response in responses.items():
                media = response.get("content", {}).get("application/json")
                if media is None:
                    continue
                if not status.startswith("2") and not _is_error_schema(media.get("schema")):
                    continue  # a body of the view's own (002's /health 503 report): its schema shows it
                if status.startswith("2"):
                    message = entry.get("success_message") or getattr(view, "success_message", None)
                    props = (media.get("schema") or {}).get("properties", {})
                    if "message" in props and "code" in props:
                        props["message"] = {**props["message"], "example": message or style.default_success_message}
                    continue
                # An operation's own list for a status replaces the style's (health's 503 reports).
                cases = list(entry.get("errors", {}).get(status, [])) or style_errors(
                    style, status, signed=_is_signed(operation))
                if cases:
                    media["examples"] = error_examples(style, path, method, status, cases)
                    media.pop("example", None)


# The operations core itself serves.
CORE_OPERATIONS = {
    "health": {
        "summary": "健康检查 (Health probe)",
        "description": "检查数据库和(已配置时)Redis 是否可用。无需签名,不限流,无副作用,也可用 HEAD。"
        "全部正常时返回 200 与 `data.status: healthy`;数据库不可用返回 503/50002(`degraded`),"
        "Redis 不可用返回 503/50001(`unhealthy`),`data.details` 说明哪个依赖失败。",
        "errors": {
            "503": [
                (C.DATABASE_UNAVAILABLE, C.DATABASE_UNAVAILABLE.message,
                 {"status": "degraded", "timestamp": EXAMPLE_TIMESTAMP, "details": "database: OperationalError"}),
                (C.INTERNAL_ERROR, C.UNAVAILABLE.message,
                 {"status": "unhealthy", "timestamp": EXAMPLE_TIMESTAMP, "details": "redis: ConnectionError"}),
            ],
        },
    },
}


def example_cases_for(style_name: str, status: str, *, signed: bool) -> list[tuple]:
    """For tests and docs: the style-wide cases of one status."""
    return style_errors(STYLES[style_name], status, signed=signed)
