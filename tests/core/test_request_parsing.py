"""Request-parsing errors Django raises lazily, answered 400 (413) in each surface's style.

Django parses the query string, form bodies and multipart bodies when something first reads
request.GET, POST or FILES. Its errors (TooManyFieldsSent, TooManyFilesSent,
MultiPartParserError, RequestDataTooBig) were a 500 inside a DRF view and Django's HTML page
outside one. The query string is now parsed once by core.middleware before any view; body errors
reach core's exception mapping through DRF's handler or handler400. The same cases against a real
gunicorn are in test_request_parsing_live.py.
"""
from django.test import override_settings
import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tokens import token_issue
from procurement import services
from tests.procurement.conftest import SignedClient
from tests.support.assertions import assert_accounts_error, assert_partner_error, assert_plain_error

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls")]

TOO_MANY = "&".join(f"p{i}=1" for i in range(1001))
JUST_ENOUGH = "&".join(f"p{i}=1" for i in range(1000))

# The query strings Django would misread (silently, as Latin-1 or U+FFFD) and their reason.
MALFORMED_QUERIES = [
    "q=%ff",  # a percent escape that is not UTF-8
    "q=%e4%b8",  # a UTF-8 sequence cut short (中 is %e4%b8%ad)
    "q=%zz",  # not a percent escape
    "q=100%",  # a bare percent sign
    "q=\xe4\xb8",  # raw bytes that are not UTF-8 (WSGI hands them as Latin-1 characters)
]
WELL_FORMED_QUERIES = ["q=%E4%B8%AD", "q=\xe4\xb8\xad", "q=a+b&r=%26%3D", "q=", "q"]

QUERY_REASON_ZH = "查询字符串不是合法的百分号编码 UTF-8"
QUERY_REASON_EN = "query string is not valid percent-encoded UTF-8"
TOO_MANY_ZH = "查询参数超过 1000 个"
TOO_MANY_EN = "query has more than 1000 parameters"


def get(api, path, query, **extra):
    """A GET whose QUERY_STRING is exactly `query` (the test client would re-encode a dict)."""
    return api.generic("GET", path, QUERY_STRING=query, **extra)


def assert_partner_field_error(response, status, code, field, reason):
    payload = assert_partner_error(response, status, code)
    assert payload["data"] == {"field": field, "reason": reason, "errors": [{"field": field, "reason": reason}]}
    return payload


def assert_accounts_field_error(response, field, reason):
    payload = assert_accounts_error(response, 400, reason)
    assert payload["data"] == {"errors": [{"field": field, "reason": reason}]}


def assert_plain_validation(response, message, path):
    payload = assert_plain_error(response, 400, "VALIDATION_ERROR", path=path, method=response.wsgi_request.method)
    assert payload["message"] == [message]


@pytest.fixture
def signed(api):
    app, secret = services.partner_app_create(name="Parsing", app_id="parsing_app")
    return SignedClient(api, app.app_id, secret)


@pytest.fixture
def staff_api():
    staff = User.objects.create_user("parse_admin", "pw-parse-123", is_staff=True, user_type=User.UserType.ADMIN)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=staff)}")
    return api


@pytest.fixture
def user_api():
    user = User.objects.create_user("parse_user", "pw-parse-123")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)}")
    return api


# --- query strings, on the real endpoints with valid credentials -------------------------------


# The signing client sends its target as UTF-8, so the raw non-UTF-8 case is left to the tests below.
@pytest.mark.parametrize("query, reason", [(TOO_MANY, TOO_MANY_ZH), *[(q, QUERY_REASON_ZH) for q in MALFORMED_QUERIES[:-1]]])
def test_a_signed_partner_list_with_a_bad_query_is_400_40003(signed, query, reason):
    response = signed.get("/api/v1/intents?" + query)
    assert_partner_field_error(response, 400, 40003, "query", reason)
    assert response["X-Request-Id"]


@pytest.mark.parametrize("query, reason", [(TOO_MANY, TOO_MANY_ZH), *[(q, QUERY_REASON_ZH) for q in MALFORMED_QUERIES]])
def test_an_accounts_admin_search_with_a_bad_query_is_400_in_accounts_style(staff_api, query, reason):
    assert_accounts_field_error(get(staff_api, "/api/v1/admin/users/search", query), "query", reason)


@pytest.mark.parametrize("path", ["/api/v1/presence/online-count", "/api/v1/presence/online-history",
                                  "/api/v1/analytics/dau"])
@pytest.mark.parametrize("query, message", [(TOO_MANY, TOO_MANY_EN), *[(q, QUERY_REASON_EN) for q in MALFORMED_QUERIES]])
def test_a_presence_or_analytics_read_with_a_bad_query_is_400_validation_error(user_api, path, query, message):
    assert_plain_validation(get(user_api, path, query), message, path)


def test_the_query_is_judged_before_authentication(api):
    # A malformed request is malformed whoever sends it: no credentials needed to learn that.
    assert_partner_field_error(get(api, "/api/v1/intents", "q=\xe4\xb8"), 400, 40003, "query", QUERY_REASON_ZH)
    assert_accounts_field_error(get(api, "/api/v1/users/profile", TOO_MANY), "query", TOO_MANY_ZH)


def test_a_query_of_exactly_1000_parameters_reaches_the_view(signed, staff_api, user_api):
    assert get(APIClient(), "/api/v1/test/partner", JUST_ENOUGH).status_code == 200
    target = "/api/v1/intents?" + JUST_ENOUGH
    # The list refuses the unknown parameters itself (contract: 40003 naming one), not the parser.
    payload = assert_partner_error(signed.get(target), 400, 40003)
    assert payload["data"]["field"] != "query"
    assert get(user_api, "/api/v1/presence/online-count", JUST_ENOUGH).status_code == 200


@pytest.mark.parametrize("query", WELL_FORMED_QUERIES)
def test_well_formed_queries_pass(api, query):
    response = get(api, "/api/v1/test/partner", query)
    assert response.status_code == 200, response.content


def test_unknown_paths_and_the_health_probe_answer_a_bad_query_in_their_style(api):
    assert_partner_field_error(get(api, "/api/v1/nowhere", "q=%ff"), 400, 40003, "query", QUERY_REASON_ZH)
    assert_accounts_field_error(get(api, "/health", "q=%ff"), "query", QUERY_REASON_ZH)
    assert_plain_validation(get(api, "/api/v1/analytics/nowhere", TOO_MANY), TOO_MANY_EN, "/api/v1/analytics/nowhere")


# --- bodies Django parses (a plain Django view per surface, as the admin's) --------------------

FORM_VIEWS = [
    ("/api/v1/test/form", "partner"),
    ("/api/v1/auth/test-form", "accounts"),
    ("/api/v1/presence/test-form", "plain"),
]
BOUNDARY = "BoUnDaRy"


def multipart(fields: int = 0, files: int = 0) -> bytes:
    """A multipart body of `fields` fields and `files` one-byte files, each part as short as
    Django accepts (the accounts surface's body limit is 10 KB)."""
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="p"\r\n\r\n1\r\n' for _ in range(fields)]
    parts += [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="a"\r\n\r\nx\r\n'
              for _ in range(files)]
    return ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
BODIES = {
    "too_many_fields": (TOO_MANY.encode(), "application/x-www-form-urlencoded",
                        "表单字段超过 1000 个", "body has more than 1000 form fields"),
    "too_many_multipart_fields": (multipart(fields=1001), MULTIPART,
                                  "表单字段超过 1000 个", "body has more than 1000 form fields"),
    "too_many_files": (multipart(files=101), MULTIPART, "上传文件超过 100 个", "body has more than 100 files"),
    "no_boundary": (b"--x\r\n\r\nvalue\r\n--x--\r\n", "multipart/form-data",
                    "multipart 请求体格式错误", "body is not a valid multipart message"),
    "overlong_boundary": (b"--x\r\n\r\nvalue\r\n--x--\r\n", "multipart/form-data; boundary=" + "b" * 300,
                          "multipart 请求体格式错误", "body is not a valid multipart message"),
}
ACCOUNTS_BODY_LIMIT = 10 * 1024


def assert_body_rejected(response, style, path, reason_zh, reason_en):
    if style == "partner":
        assert_partner_field_error(response, 400, 40003, "body", reason_zh)
    elif style == "accounts":
        assert_accounts_field_error(response, "body", reason_zh)
    else:
        assert_plain_validation(response, reason_en, path)


@pytest.mark.parametrize("path, style", FORM_VIEWS)
@pytest.mark.parametrize("case", sorted(BODIES))
def test_a_body_django_cannot_parse_is_400_in_the_surface_style(api, path, style, case):
    body, content_type, reason_zh, reason_en = BODIES[case]
    response = api.generic("POST", path, body, content_type=content_type)
    if style == "accounts" and len(body) > ACCOUNTS_BODY_LIMIT:
        # 1,001 multipart fields cannot fit in the accounts surface's 10 KB: its size limit answers first.
        assert_accounts_error(response, 413, "请求体过大")
        return
    assert_body_rejected(response, style, path, reason_zh, reason_en)


@pytest.mark.parametrize("path, style", FORM_VIEWS)
def test_bodies_within_the_limits_are_parsed(api, path, style):
    response = api.generic("POST", path, JUST_ENOUGH.encode(), content_type="application/x-www-form-urlencoded")
    assert response.json() == {"fields": 1000, "files": 0}
    response = api.generic("POST", path, multipart(files=100), content_type=MULTIPART)
    assert response.json() == {"fields": 0, "files": 100}


@pytest.mark.parametrize("path, style", FORM_VIEWS)
def test_a_form_over_django_s_memory_limit_is_413_in_the_surface_style(api, path, style):
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        response = api.generic("POST", path, b"a=" + b"x" * 2000, content_type="application/x-www-form-urlencoded")
    if style == "partner":
        assert_partner_error(response, 413, 40001, "请求参数错误")
    elif style == "accounts":
        assert_accounts_error(response, 413, "请求体过大")
    else:
        assert_plain_error(response, 413, "PAYLOAD_TOO_LARGE", path=path)


def test_the_admin_answers_a_body_csrf_cannot_parse_in_the_partner_style():
    # With CSRF enforced and a CSRF cookie sent, CsrfViewMiddleware is the first to read request.POST.
    admin = APIClient(enforce_csrf_checks=True)
    admin.cookies["csrftoken"] = "a" * 32
    response = admin.generic("POST", "/admin/login/", TOO_MANY.encode(), content_type="application/x-www-form-urlencoded")
    assert_partner_field_error(response, 400, 40003, "body", "表单字段超过 1000 个")


@pytest.mark.parametrize("path", ["/api/v1/intents", "/api/v1/auth/login", "/api/v1/analytics/events"])
@pytest.mark.parametrize("case", sorted(BODIES))
def test_the_json_endpoints_refuse_form_bodies_with_415_before_parsing_them(api, path, case):
    body, content_type, *_ = BODIES[case]
    response = api.generic("POST", path, body, content_type=content_type)
    # The partner surface checks the signature before the media type; the accounts one its 10 KB first.
    if path == "/api/v1/intents":
        expected = 401
    elif path == "/api/v1/auth/login" and len(body) > ACCOUNTS_BODY_LIMIT:
        expected = 413
    else:
        expected = 415
    assert response.status_code == expected, response.content
