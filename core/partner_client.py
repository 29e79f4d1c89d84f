"""
A small client for the partner API: signs each request (core.signing) and sends it.

Standard library only, so it also works copied next to core/signing.py outside
this project:

    from core.partner_client import PartnerClient
    client = PartnerClient("http://127.0.0.1:8000", app_id, app_secret)
    created = client.post("/api/v1/intents", {"userId": "user_001", "platform": "TAOBAO",
                                              "productUrl": "https://item.taobao.com/item.htm?id=123456"})
    page = client.get("/api/v1/intents", params={"filter[status][in]": "SUBMITTED,PROCESSING", "fields": "id,status"})

Each call returns a `PartnerResponse` (status, headers, body as parsed JSON).
From a shell: `python -m core.partner_client --base-url URL --app-id ID --secret S GET /api/v1/intents`.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
import json
import os
import sys
from typing import Any
import urllib.error
from urllib.parse import urlencode
import urllib.request

from core.signing import signed_headers


@dataclass
class PartnerResponse:
    status: int
    headers: dict[str, str]
    body: Any  # the parsed JSON envelope, or None (204)

    @property
    def data(self):
        return self.body.get("data") if isinstance(self.body, dict) else None


class PartnerClient:
    """Signs with METHOD + target + timestamp + exact body bytes, as the server verifies."""

    def __init__(self, base_url: str, app_id: str, secret: str, timeout: float = 30):
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self.secret = secret
        self.timeout = timeout

    def request(self, method: str, path: str, body: Any = None, params: dict | None = None) -> PartnerResponse:
        target = path
        if params:
            # The same string is signed and sent: brackets and commas stay readable, the rest is escaped.
            target += ("&" if "?" in path else "?") + urlencode(params, safe="[],")
        raw = b"" if body is None else (body if isinstance(body, bytes) else
                                        json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        headers = signed_headers(self.app_id, self.secret, method, target, raw)
        request = urllib.request.Request(self.base_url + target, data=raw or None, method=method.upper(),
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, answer_headers, content = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, content = error.code, dict(error.headers), error.read()
        return PartnerResponse(status, answer_headers, json.loads(content) if content else None)

    def get(self, path: str, params: dict | None = None) -> PartnerResponse:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any) -> PartnerResponse:
        return self.request("POST", path, body)

    def put(self, path: str, body: Any) -> PartnerResponse:
        return self.request("PUT", path, body)

    def patch(self, path: str, body: Any) -> PartnerResponse:
        return self.request("PATCH", path, body)

    def delete(self, path: str) -> PartnerResponse:
        return self.request("DELETE", path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Send one signed request to the partner API.")
    parser.add_argument("--base-url", default=os.environ.get("PARTNER_BASE_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--app-id", default=os.environ.get("APP_ID"))
    parser.add_argument("--secret", default=os.environ.get("APP_SECRET"))
    parser.add_argument("method")
    parser.add_argument("path", help="e.g. '/api/v1/intents?page=1&pageSize=10'")
    parser.add_argument("body", nargs="?", help="JSON body")
    args = parser.parse_args(argv)
    if not args.app_id or not args.secret:
        parser.error("give --app-id and --secret (or set APP_ID and APP_SECRET)")
    body = args.body.encode("utf-8") if args.body else None
    response = PartnerClient(args.base_url, args.app_id, args.secret).request(args.method, args.path, body)
    print(response.status, response.headers.get("X-Request-Id", ""), file=sys.stderr)
    if response.body is not None:
        print(json.dumps(response.body, ensure_ascii=False, indent=2))
    return 0 if response.status < 400 else 1


if __name__ == "__main__":
    sys.exit(main())
