"""manage.py create_partner_app, rotate_partner_secret, sign_request, reencrypt_partner_secrets."""
from io import StringIO
import getpass
import re
import shlex

import pytest
from django.core.management import CommandError, call_command

from core import secretbox
from procurement.models import PartnerApp
from tests.support.assertions import assert_partner_ok

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_partner_app_prints_id_and_secret_once(caplog):
    with caplog.at_level("INFO"):
        out, err = run("create_partner_app", "--name", "Acme", "--app-id", "acme", "--qps", "50", "--ip", "10.0.0.0/8")
    secret = re.search(r"App secret: ([0-9a-f]{64})", out).group(1)
    app = PartnerApp.objects.get(app_id="acme")
    assert (app.name, app.qps_limit, app.ip_whitelist_entries) == ("Acme", 50, ["10.0.0.0/8"])
    assert secretbox.decrypt(app.secret_encrypted) == secret
    assert secret not in app.secret_encrypted
    assert "never shown again" in err
    assert all(secret not in record.getMessage() and secret not in str(record.__dict__) for record in caplog.records)
    logged = [r for r in caplog.records if r.getMessage() == "partner_app.create"]
    assert [(r.actor, r.app_id) for r in logged] == [(f"manage.py:{getpass.getuser()}", "acme")]


def test_create_partner_app_generates_an_id_and_prints_shell_exports():
    out, _ = run("create_partner_app", "--name", "Gen", "--shell")
    assert re.fullmatch(r"export APP_ID=app_[0-9a-f]{16}\nexport APP_SECRET=[0-9a-f]{64}\n", out)


@pytest.mark.parametrize("args,message", [
    (["--ip", "not-an-ip"], "不是 IP 或 CIDR"),
    (["--qps", "0"], "--qps"),
])
def test_create_partner_app_refuses_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        run("create_partner_app", "--name", "Bad", *args)
    assert not PartnerApp.objects.exists()


def test_create_partner_app_refuses_a_taken_id(partner_app):
    with pytest.raises(CommandError, match="already exists"):
        run("create_partner_app", "--name", "Again", "--app-id", partner_app.app_id)


def test_rotate_partner_secret_prints_the_new_secret_and_keeps_the_old_one_for_the_grace(partner_app, caplog):
    with caplog.at_level("INFO", logger="procurement"):
        out, _ = run("rotate_partner_secret", partner_app.app_id, "--grace-hours", "2")
    new = re.search(r"New secret:\s+([0-9a-f]{64})", out).group(1)
    logged = [r for r in caplog.records if r.getMessage() == "partner_app.rotate_secret"]
    assert [(r.actor, r.app_id) for r in logged] == [(f"manage.py:{getpass.getuser()}", partner_app.app_id)]
    assert all(new not in str(record.__dict__) for record in caplog.records)
    app = PartnerApp.objects.get(pk=partner_app.pk)
    assert secretbox.decrypt(app.secret_encrypted) == new
    assert secretbox.decrypt(app.previous_secret_encrypted) == partner_app.plain_secret
    assert app.previous_secret_expires_at is not None


def test_sign_request_prints_the_headers_of_the_test_vector():
    out, _ = run("sign_request", "--app", "dev_app_local", "--secret", "your_app_secret", "--method", "POST",
                 "--path", "/api/v1/intents", "--body", '{"userId":"user_001","platform":"TAOBAO"}',
                 "--timestamp", "1708851000000")
    assert "X-Signature: 247014753c58bbbea7d88d41aeb338cb4806f87746b036b9ee578afdfede322e" in out
    assert "X-Timestamp: 1708851000000" in out
    assert "curl -sS -i -g -X POST" in out


def test_sign_request_curl_line_is_accepted_by_the_service(api, partner_app):
    body = '{"userId":"user_001","platform":"TAOBAO","productUrl":"https://item.taobao.com/item.htm?id=1"}'
    out, _ = run("sign_request", "--app", partner_app.app_id, "--method", "POST", "--path", "/api/v1/intents",
                 "--body", body, "--curl-only")
    words = shlex.split(out)
    headers = {}
    for index, word in enumerate(words):
        if word == "-H":
            name, value = words[index + 1].split(": ", 1)
            headers[f"HTTP_{name.upper().replace('-', '_')}"] = value
    assert words[words.index("--data-binary") + 1] == body
    headers.pop("HTTP_CONTENT_TYPE")
    response = api.generic("POST", "/api/v1/intents", data=body.encode(), content_type="application/json", **headers)
    assert assert_partner_ok(response, status=201)["userId"] == "user_001"


def test_sign_request_refuses_an_unknown_app_without_a_secret():
    with pytest.raises(CommandError, match="No app"):
        run("sign_request", "--app", "nope", "--path", "/api/v1/intents")


def test_reencrypt_moves_secrets_to_the_first_key(partner_app, settings):
    settings.SIGNING_ENCRYPTION_KEY = f"brand-new-key,{settings.SIGNING_ENCRYPTION_KEY}"
    out, _ = run("reencrypt_partner_secrets")
    assert "Re-encrypted 1 app(s)" in out
    settings.SIGNING_ENCRYPTION_KEY = "brand-new-key"
    stored = PartnerApp.objects.get(pk=partner_app.pk).secret_encrypted
    assert secretbox.decrypt(stored) == partner_app.plain_secret
