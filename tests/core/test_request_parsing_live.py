"""The Host rule and the parse-error answers against a real gunicorn with production settings.

The test client builds its WSGI environ itself; here gunicorn does (its QUERY_STRING, its
Host handling, its own request-line checks), under DJANGO_ENV=production with a listed host,
TLS redirects on behind a proxy that sends X-Forwarded-Proto, and WhiteNoise in the chain.
"""
import json
import socket

import pytest

from tests.support.live import http, migrated_sqlite_with_user, running_service
from tests.support.production import production_secrets

HOST = "api.example.com"
POD = "10.1.2.3:8000"
SECRETS = production_secrets()
TOO_MANY = "&".join(f"p{i}=1" for i in range(1001))
BOUNDARY = "BoUnDaRy"
HOST_REASON = "Host 不在本服务允许的主机名之列"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    directory = tmp_path_factory.mktemp("parsing_live")
    mp = pytest.MonkeyPatch()
    mp.setenv("JWT_SECRET", SECRETS["JWT_SECRET"])  # the user's token is signed with the service's key
    try:
        sqlite, token = migrated_sqlite_with_user(directory, "live_parser")
    finally:
        mp.undo()
    env = {
        "DATABASE_URL": None, "REDIS_URL": None, "SQLITE_PATH": sqlite,
        "DJANGO_ENV": "production", **SECRETS,
        "DJANGO_ALLOWED_HOSTS": HOST, "SECURE_SSL_REDIRECT": "true",
    }
    with running_service(env) as base:
        yield base, int(base.rsplit(":", 1)[1]), token


def call(service, method, target, *, host=HOST, body=None, headers=None, token=False):
    base, _port, jwt = service
    sent = {"Host": host, "X-Forwarded-Proto": "https", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {jwt}"
    status, response_headers, raw = http(method, base + target, body=body, headers=sent)
    return status, response_headers, json.loads(raw) if raw else None


def raw_request(port: int, request: bytes) -> tuple[int, bytes]:
    """(status, whole answer) of bytes sent as they are: urllib would refuse or re-encode them."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1]), answer


SURFACES = [
    ("/api/v1/intents", "partner", False),
    ("/api/v1/users/profile", "accounts", True),
    ("/api/v1/presence/online-count", "plain", True),
    ("/api/v1/analytics/dau", "plain", True),
]


def assert_rejected(status, headers, body, style, field, reason_zh, reason_en, code=40003):
    assert status == 400, body
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert int(headers["Content-Length"]) > 0 and headers["X-Request-Id"]
    if style == "partner":
        assert body == {"code": code, "message": "参数格式错误" if code == 40003 else "请求参数错误",
                        "data": {"field": field, "reason": reason_zh, "errors": [{"field": field, "reason": reason_zh}]}}
    elif style == "accounts":
        assert body == {"success": False, "code": 400, "message": reason_zh,
                        "data": {"errors": [{"field": field, "reason": reason_zh}]}}
    else:
        assert body["statusCode"] == 400 and body["error"] == "VALIDATION_ERROR"
        assert body["message"] == [reason_en]


@pytest.mark.parametrize("path, style, token", SURFACES)
def test_too_many_query_parameters_are_400_on_every_surface(service, path, style, token):
    status, headers, body = call(service, "GET", f"{path}?{TOO_MANY}", token=token)
    assert_rejected(status, headers, body, style, "query", "查询参数超过 1000 个", "query has more than 1000 parameters")


@pytest.mark.parametrize("path, style, token", SURFACES)
@pytest.mark.parametrize("query", ["q=%ff", "q=%e4%b8", "q=%zz", "q=100%"])
def test_a_malformed_query_is_400_on_every_surface(service, path, style, token, query):
    status, headers, body = call(service, "GET", f"{path}?{query}", token=token)
    assert_rejected(status, headers, body, style, "query", "查询字符串不是合法的百分号编码 UTF-8",
                    "query string is not valid percent-encoded UTF-8")


def test_a_query_of_1000_parameters_is_served(service):
    status, _headers, body = call(service, "GET", "/api/v1/presence/online-count?" + TOO_MANY.rsplit("&", 1)[0],
                                  token=True)
    assert status == 200, body


def test_raw_non_ascii_bytes_in_the_target_are_refused_by_gunicorn_itself(service):
    # RFC 9112: the request target is printable ASCII. gunicorn refuses such a request line before
    # the service sees it (its own text/html 400); only a percent-encoded byte reaches the service.
    _base, port, _token = service
    status, answer = raw_request(port, b"GET /api/v1/presence/online-count?q=\xe4\xb8 HTTP/1.1\r\nHost: "
                                 + HOST.encode() + b"\r\nConnection: close\r\n\r\n")
    assert status == 400 and b"Invalid Request Line" in answer


# --- bodies: the admin is the one view that parses forms; CSRF reads request.POST first --------

def admin_post(service, body: bytes, content_type: str):
    return call(service, "POST", "/admin/login/", body=body, headers={
        "Content-Type": content_type, "Cookie": "csrftoken=" + "a" * 32, "Origin": f"https://{HOST}"})


def multipart(fields: int = 0, files: int = 0) -> bytes:
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="p"\r\n\r\n1\r\n' for _ in range(fields)]
    parts += [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="a"\r\n\r\nx\r\n'
              for _ in range(files)]
    return ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()


@pytest.mark.parametrize("body, content_type, reason", [
    (TOO_MANY.encode(), "application/x-www-form-urlencoded", "表单字段超过 1000 个"),
    (multipart(fields=1001), f"multipart/form-data; boundary={BOUNDARY}", "表单字段超过 1000 个"),
    (multipart(files=101), f"multipart/form-data; boundary={BOUNDARY}", "上传文件超过 100 个"),
    (b"--x\r\n\r\nv\r\n--x--\r\n", "multipart/form-data", "multipart 请求体格式错误"),
])
def test_a_body_django_cannot_parse_is_400_not_django_s_html(service, body, content_type, reason):
    status, headers, answer = admin_post(service, body, content_type)
    assert_rejected(status, headers, answer, "partner", "body", reason, None)


@pytest.mark.parametrize("path, content_type", [
    ("/api/v1/auth/login", "application/x-www-form-urlencoded"),
    ("/api/v1/analytics/events", f"multipart/form-data; boundary={BOUNDARY}"),
])
def test_the_json_endpoints_answer_form_bodies_415_in_their_style(service, path, content_type):
    status, _headers, body = call(service, "POST", path, body=TOO_MANY.encode()[:4000],
                                  headers={"Content-Type": content_type})
    assert status == 415, body
    assert body.get("success") is False or body.get("error") == "UNSUPPORTED_MEDIA_TYPE"


# --- the Host rule ---------------------------------------------------------------------------

@pytest.mark.parametrize("path, healthy", [
    ("/api/v1/health", lambda b: b["data"]["status"] == "healthy"),
    ("/health", lambda b: b["status"] == "OK"),  # 002's object at the top level
    ("/api/v1/presence/health", lambda b: b["status"] == "ok"),
])
@pytest.mark.parametrize("host", [POD, "10.1.2.3", "evil.example.org"])
def test_the_probes_answer_over_plain_http_whatever_the_host(service, path, healthy, host):
    base, _port, _token = service
    # As a kubelet sends it: plain HTTP to the pod's IP, no X-Forwarded-Proto.
    status, _headers, raw = http("GET", base + path, headers={"Host": host})
    assert status == 200, raw
    assert healthy(json.loads(raw))


@pytest.mark.parametrize("method, path, style", [
    ("GET", "/api/v1/intents", "partner"),
    ("GET", "/admin/login/", "partner"),
    ("GET", "/static/admin/css/base.css", "partner"),
    ("POST", "/api/v1/auth/login", "accounts"),
    ("GET", "/api/v1/presence/online-count", "plain"),
    ("POST", "/api/v1/analytics/events", "plain"),
])
@pytest.mark.parametrize("proto", ["https", None])
def test_other_paths_refuse_an_unlisted_host_in_their_style_and_never_redirect_to_it(service, method, path, style, proto):
    base, _port, _token = service
    headers = {"Host": POD, "Content-Type": "application/json"}
    if proto:
        headers["X-Forwarded-Proto"] = proto
    status, response_headers, raw = http(method, base + path, body=b"{}" if method == "POST" else None, headers=headers)
    assert "Location" not in response_headers
    reason_en = HOST_REASON  # the Host reason is Chinese on every surface
    assert_rejected(status, response_headers, json.loads(raw), style, "Host", HOST_REASON, reason_en, code=40001)


def test_a_listed_host_is_served_and_plain_http_is_redirected_to_it(service):
    _base, port, _token = service
    status, answer = raw_request(port, f"GET /api/v1/users/profile HTTP/1.1\r\nHost: {HOST}\r\n"
                                 "Connection: close\r\n\r\n".encode())
    assert status == 301 and f"Location: https://{HOST}/api/v1/users/profile\r\n".encode() in answer
    status, _headers, body = call(service, "GET", "/api/v1/users/profile", token=True)
    assert status == 200 and body["success"] is True
