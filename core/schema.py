"""
drf-spectacular post-processing: the response envelopes and error bodies in the schema.

The renderer wraps data at run time, which serializers cannot show, so this
hook walks the finished document and applies the same style choice
(`core.styles.style_for_path`) to every operation: success bodies get the
envelope, every operation gets its style's error responses (400 when it takes
input, 401/403 when it is authenticated, 404, 429 when it is throttled, 500).
Last, `core.schema_examples.describe_operations` gives every operation its
user-facing summary and description and every error response its examples.

A view that answers without an envelope (`success_envelope = False`, 002's
/health and /system-stats) declares its bodies as they go out: the hook leaves
every response it declared with a body as it is, and adds only the style's errors.
"""
from core.schema_examples import describe_operations
from core.styles import style_for_path, wraps_success

_ERROR_DESCRIPTIONS = {
    "400": "Invalid input",
    "401": "Not authenticated",
    "403": "Forbidden",
    "404": "Not found",
    "409": "Conflict",
    "413": "Body too large",
    "429": "Rate limited",
    "500": "Internal error",
    "503": "Service unavailable",
}

_COMPONENTS = {
    "PartnerError": {
        "type": "object",
        "required": ["code", "message", "data"],
        "properties": {
            "code": {"type": "integer", "description": "business code (seed 001, contract §2)"},
            "message": {"type": "string", "description": "the code's message (core.codes)"},
            "data": {
                "nullable": True,
                "description": "null, or an object whose shape depends on the code: validation errors "
                "{field, reason, errors: [{field, reason}]}, signature errors {field, reason} (40101 on a "
                "mismatch adds signed), 40901 {id, field, reason}; see each response's examples",
            },
        },
    },
    "AccountsError": {
        "type": "object",
        "required": ["success", "code", "message", "data"],
        "properties": {
            "success": {"type": "boolean", "enum": [False]},
            "code": {"type": "integer", "description": "the HTTP status"},
            "message": {"type": "string"},
            "data": {"nullable": True},
        },
    },
    "PlainError": {
        "type": "object",
        "required": ["statusCode", "error", "message", "path", "method", "timestamp"],
        "properties": {
            "statusCode": {"type": "integer"},
            "error": {"type": "string", "description": "the 003 error code"},
            "message": {
                "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            },
            "path": {"type": "string"},
            "method": {"type": "string"},
            "timestamp": {"type": "string", "format": "date-time"},
        },
    },
}
_ERROR_REF = {"partner": "PartnerError", "accounts": "AccountsError", "plain": "PlainError"}


def _success_envelope(style_name: str, inner: dict | None) -> dict | None:
    data = inner or {"nullable": True}
    if style_name == "partner":
        return {
            "type": "object",
            "required": ["code", "message", "data"],
            "properties": {
                "code": {"type": "integer", "enum": [0]},
                "message": {"type": "string"},
                "data": data,
            },
        }
    if style_name == "accounts":
        return {
            "type": "object",
            "required": ["success", "code", "message", "data"],
            "properties": {
                "success": {"type": "boolean", "enum": [True]},
                "code": {"type": "integer", "enum": [0]},
                "message": {"type": "string"},
                "data": data,
            },
        }
    return inner


def _error_schema(style_name: str, inner: dict | None) -> dict:
    ref = {"$ref": f"#/components/schemas/{_ERROR_REF[style_name]}"}
    if inner is None or style_name == "plain":
        return ref
    return {"allOf": [ref, {"type": "object", "properties": {"data": inner}}]}


def _view_for(generator, path: str, method: str):
    for endpoint_path, _regex, endpoint_method, view in generator._get_paths_and_endpoints():
        if endpoint_path == path and endpoint_method.lower() == method:
            return view
    return None


def wrap_responses_in_envelopes(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: envelope every response the way the renderer does."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(_COMPONENTS)
    for path, operations in result.get("paths", {}).items():
        style_name = style_for_path(path).name
        for method, operation in operations.items():
            if method not in {"get", "put", "patch", "post", "delete", "head"}:
                continue
            view = _view_for(generator, path, method)
            bare = view is not None and not wraps_success(view)
            responses = operation.setdefault("responses", {})
            for status, response in list(responses.items()):
                content = response.get("content", {}).get("application/json")
                inner = content.get("schema") if content else None
                if bare and inner is not None:
                    continue  # the view's own object, at any status (/health's 503 report)
                if status.startswith("2"):
                    if status == "204" or content is None:
                        continue
                    content["schema"] = _success_envelope(style_name, inner)
                else:
                    response.setdefault("content", {})["application/json"] = {
                        "schema": _error_schema(style_name, inner)
                    }
            expected = {"500"}
            if operation.get("requestBody") or operation.get("parameters"):
                expected.add("400")
            if operation.get("requestBody"):
                expected.add("413")
            if any(requirement for requirement in operation.get("security", []) if requirement):
                expected.update({"401", "403"})
            if "{" in path:
                expected.add("404")
            if view is not None and getattr(view, "throttle_classes", None):
                expected.add("429")
            for status in sorted(expected - set(responses)):
                responses[status] = {
                    "description": _ERROR_DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": _error_schema(style_name, None)}},
                }
    describe_operations(result, style_for_path, lambda path, method: _view_for(generator, path, method))
    return result
