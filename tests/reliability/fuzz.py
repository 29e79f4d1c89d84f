"""
Schema fuzzing support: the service's own OpenAPI document, loaded in process
through WSGI, and a sender that gets generated requests past authentication.

Partner operations are signed with core.signing over the exact request target
and body the service will see; JWT operations carry a token from
accounts.tokens (a staff one where the schema asks for `adminJWT`). Half the
generated intent ids are swapped for a real intent of the signing app, so that
reads and updates reach existing rows, not only 404.
"""
from __future__ import annotations

from io import BytesIO
import itertools
import zlib

import schemathesis
from schemathesis.core.parameters import ParameterLocation
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import EnvironBuilder, TestResponse, run_wsgi_app
from werkzeug.wrappers import Request

from core.signing import compute_signature, now_ms

# What "zero responses that disagree with the schema" means, check by check.
POSITIVE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def negative_data_rejection_413_included(ctx, response, case):
    """schemathesis' negative_data_rejection, with 413 counted as a rejection: a negative body can be
    generated past a surface's size limit (10 KB on accounts), which the schema declares as 413."""
    if response.status_code == 413:
        return True
    return negative_data_rejection(ctx, response, case)


NEGATIVE_CHECKS = [*POSITIVE_CHECKS, negative_data_rejection_413_included]


def load_schema(app):
    """The document served at /api/schema/, as schemathesis reads it."""
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)


class Credentials:
    """What the sender needs to authenticate as each kind of caller."""

    def __init__(self, *, app_id: str, secret: str, user_token: str, staff_token: str, intent_ids: list[str]):
        self.app_id = app_id
        self.secret = secret
        self.user_token = user_token
        self.staff_token = staff_token
        self.intent_ids = intent_ids


class Sender:
    """Sends schemathesis cases to the WSGI app with real credentials."""

    def __init__(self, app, credentials: Credentials):
        self.app = app
        self.credentials = credentials
        # Every signed request gets its own millisecond, so that no two share a signature (a replay).
        self._clock = itertools.count(now_ms())
        self.sent = 0
        self.statuses: dict[int, int] = {}

    def _schemes(self, case) -> set[str]:
        names = set()
        for requirement in case.operation.definition.raw.get("security", []) or []:
            names.update(requirement)
        return names

    def _pick_intent(self, case) -> None:
        params = case.path_parameters or {}
        if "intent_id" in params and self.credentials.intent_ids:
            raw = str(params["intent_id"]).encode("utf-8", "surrogatepass")
            if zlib.crc32(raw) % 2 == 0:
                params["intent_id"] = self.credentials.intent_ids[zlib.crc32(raw) % len(self.credentials.intent_ids)]

    def send(self, case) -> TestResponse:
        self._pick_intent(case)
        schemes = self._schemes(case)
        data = case.as_transport_kwargs(base_url="http://testserver")
        # A negative case whose headers were broken on purpose keeps them: the service must refuse it.
        authenticate = not case.meta.is_negative_at(ParameterLocation.HEADER)
        sign = authenticate and "PartnerSignature" in schemes
        headers = data.pop("headers", {})
        if authenticate:
            headers = {k: v for k, v in headers.items()
                       if k.lower() not in {"authorization", "x-app-id", "x-timestamp", "x-signature"}}
            if "adminJWT" in schemes:
                headers["Authorization"] = f"Bearer {self.credentials.staff_token}"
            elif "userJWT" in schemes:
                headers["Authorization"] = f"Bearer {self.credentials.user_token}"
        builder = EnvironBuilder(headers=headers, **data)
        environ = builder.get_environ()
        body = environ["wsgi.input"].read()
        environ["wsgi.input"] = BytesIO(body)
        if sign:
            timestamp = str(next(self._clock))
            environ["HTTP_X_APP_ID"] = self.credentials.app_id
            environ["HTTP_X_TIMESTAMP"] = timestamp
            environ["HTTP_X_SIGNATURE"] = compute_signature(
                self.credentials.secret, environ["REQUEST_METHOD"], environ["RAW_URI"], timestamp, body)
        app_iter, status, response_headers = run_wsgi_app(self.app, environ, buffered=True)
        response = TestResponse(app_iter, status, response_headers, request=Request(environ))
        self.sent += 1
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        return response
