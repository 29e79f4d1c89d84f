"""
Partners' own HTTP libraries against a real gunicorn: each signs seed 001's path as the partner
wrote it (brackets, Chinese) and lets its library encode the wire form as it does, Python's
requests, httpx, and seed 001's TypeScript function under Node's fetch.
"""
import json
import subprocess

import httpx
import pytest
import requests

from core.signing import compute_signature, now_ms, signed_headers
from tests.procurement.test_live import partner_service
from tests.support.node import node, typescript_to_module
from tests.support.live import ROOT

pytestmark = pytest.mark.django_db  # the live service has its own database file

WRITTEN = "/api/v1/intents?filter[status]=SUBMITTED&filter[title][like]=手机&fields=id,title"
INTENT = {"userId": "user_001", "platform": "TAOBAO", "title": "华为手机", "price": "199.00",
          "productUrl": "https://item.taobao.com/item.htm?id=1"}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with partner_service(tmp_path_factory.mktemp("clients")) as (base, app_id, secret, _log):
        body = json.dumps(INTENT, ensure_ascii=False)
        created = requests.post(base + "/api/v1/intents", data=body.encode(),
                                headers=signed_headers(app_id, secret, "POST", "/api/v1/intents", body.encode()))
        assert created.status_code == 201, created.text
        yield base, app_id, secret, created.json()["data"]["id"]


def _expected(intent_id):
    return [{"id": intent_id, "title": "华为手机"}]


def test_python_requests_with_the_path_signed_as_written(live):
    base, app_id, secret, intent_id = live
    response = requests.get(base + WRITTEN, headers=signed_headers(app_id, secret, "GET", WRITTEN))
    assert "%5B" in response.request.path_url and "%E6%89%8B" in response.request.path_url  # it did encode
    assert response.status_code == 200, response.text
    assert response.json()["data"]["items"] == _expected(intent_id)


def test_httpx_with_the_path_signed_as_written(live):
    base, app_id, secret, intent_id = live
    with httpx.Client(base_url=base) as client:
        response = client.get(WRITTEN, headers=signed_headers(app_id, secret, "GET", WRITTEN))
    assert b"%E6%89%8B" in response.request.url.raw_path
    assert response.status_code == 200, response.text
    assert response.json()["data"]["items"] == _expected(intent_id)


def test_a_wrong_secret_shows_the_partner_both_targets(live):
    base, app_id, _secret, _ = live
    response = requests.get(base + WRITTEN, headers=signed_headers(app_id, "wrong", "GET", WRITTEN))
    signed = response.json()["data"]["signed"]
    assert response.status_code == 401
    assert signed["target"] == response.request.path_url
    assert signed["decodedTarget"] == WRITTEN


def test_seed_001s_typescript_under_node_fetch(live, tmp_path):
    base, app_id, secret, intent_id = live
    module = typescript_to_module(ROOT / "docs" / "partner-clients" / "ts" / "seed-signature.ts", tmp_path)
    script = """
const { calculateSignature } = await import(process.argv[1]);
const [base, appId, secret, path] = process.argv.slice(2);
const timestamp = Date.now().toString();
const response = await fetch(base + path, { headers: {
  'X-App-Id': appId, 'X-Timestamp': timestamp,
  'X-Signature': calculateSignature('GET', path, timestamp, '', secret) } });
console.log(JSON.stringify({ status: response.status, body: await response.json() }));
"""
    done = subprocess.run([node(), "--input-type=module", "-e", script, module.as_uri(), base, app_id, secret, WRITTEN],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["status"] == 200, answer
    assert answer["body"]["data"]["items"] == _expected(intent_id)


def test_the_shipped_javascript_module_under_node_fetch_creates(live):
    base, app_id, secret, _ = live
    script = """
const { signedHeaders } = await import(process.argv[1]);
const [base, appId, secret] = process.argv.slice(2);
const body = JSON.stringify({ userId: 'user_js', platform: 'JD', title: '京东手机', productUrl: 'https://item.jd.com/2.html' });
const response = await fetch(base + '/api/v1/intents', { method: 'POST', body,
  headers: signedHeaders(appId, secret, 'POST', '/api/v1/intents', body) });
console.log(JSON.stringify({ status: response.status, body: await response.json() }));
"""
    module = (ROOT / "docs" / "partner-clients" / "js" / "signing.mjs").as_uri()
    done = subprocess.run([node(), "--input-type=module", "-e", script, module, base, app_id, secret],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["status"] == 201, answer
    assert answer["body"]["data"]["title"] == "京东手机"


def test_an_escaped_ampersand_signed_decoded_is_refused_on_the_wire(live):
    base, app_id, secret, _ = live
    wire = "/api/v1/intents?filter%5Btitle%5D%5Blike%5D=a%26b"
    stamp = str(now_ms())
    signature = compute_signature(secret, "GET", "/api/v1/intents?filter[title][like]=a&b", stamp, "")
    response = requests.get(base + wire, headers={"X-App-Id": app_id, "X-Timestamp": stamp, "X-Signature": signature})
    assert response.status_code == 401 and response.json()["code"] == 40101
