"""
Validation of bodies against the served OpenAPI 3.0 document (issue "Wire conformance").

OpenAPI 3.0 schemas are JSON Schema with differences; the ones drf-spectacular emits are
handled here: `nullable: true` becomes "or null", and `$ref`s resolve against the
document's own components. The checks are jsonschema's Draft 2020-12.
"""
from __future__ import annotations

import re

from jsonschema import Draft202012Validator

_SKIP = {"nullable", "example", "examples", "readOnly", "writeOnly", "xml", "externalDocs", "discriminator",
         "deprecated"}


def to_json_schema(schema):
    """An OpenAPI 3.0 schema object as JSON Schema 2020-12."""
    if isinstance(schema, list):
        return [to_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {}
    for key, value in schema.items():
        if key in _SKIP:
            continue
        if key == "properties":
            converted[key] = {name: to_json_schema(sub) for name, sub in value.items()}
        elif key in {"items", "additionalProperties", "not"} or key in {"allOf", "anyOf", "oneOf"}:
            converted[key] = to_json_schema(value)
        else:
            converted[key] = value
    if schema.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


class OpenAPIDocument:
    def __init__(self, document: dict):
        self.document = document
        self.components = {"schemas": {name: to_json_schema(sub) for name, sub in
                                       document.get("components", {}).get("schemas", {}).items()}}

    def validator(self, schema) -> Draft202012Validator:
        return Draft202012Validator({**to_json_schema(schema), "components": self.components})

    def errors(self, schema, instance) -> list[str]:
        return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
                for error in self.validator(schema).iter_errors(instance)]

    def operations(self):
        for path, operations in self.document["paths"].items():
            for method, operation in operations.items():
                yield path, method, operation

    def match(self, path: str, method: str):
        """The (template, operation) of a concrete path, like a router."""
        for template, operations in self.document["paths"].items():
            pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            if re.match(pattern, path) and method.lower() in operations:
                return template, operations[method.lower()]
        return None, None

    def response_errors(self, path: str, method: str, status: int, body, content_type: str | None) -> list[str]:
        """What is wrong with a real response: undocumented status, content type or body."""
        template, operation = self.match(path, method)
        if operation is None:
            return [f"{method} {path}: no such operation in the document"]
        response = operation["responses"].get(str(status)) or operation["responses"].get("default")
        if response is None:
            return [f"{method} {template}: status {status} is not documented ({sorted(operation['responses'])})"]
        content = response.get("content")
        if not content:
            return [] if body in (None, b"", "") else [f"{method} {template} {status}: a body where none is documented"]
        media = (content_type or "").split(";")[0].strip()
        if media not in content:
            return [f"{method} {template} {status}: content type {media!r} not documented ({sorted(content)})"]
        return [f"{method} {template} {status}: {error}" for error in self.errors(content[media]["schema"], body)]
