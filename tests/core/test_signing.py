"""The one signing helper (core.signing) and encryption at rest (core.secretbox)."""
import pytest

from core import secretbox
from core.signing import compute_signature, signatures_match, signed_headers, string_to_sign

# The test vector of docs/partner-guide.md (seed 001's own example inputs).
VECTOR_SECRET = "your_app_secret"
VECTOR_BODY = '{"userId":"user_001","platform":"TAOBAO"}'
VECTOR_SIGNATURE = "247014753c58bbbea7d88d41aeb338cb4806f87746b036b9ee578afdfede322e"
GET_VECTOR_SIGNATURE = "bd806c7bdee724bfd7756bfa115bdf5344a299f5df939ad19d6070f0587bf642"


def test_the_documented_test_vector_signs_as_published():
    assert compute_signature(VECTOR_SECRET, "POST", "/api/v1/intents", "1708851000000", VECTOR_BODY) == VECTOR_SIGNATURE


def test_the_documented_get_vector_signs_the_query_and_an_empty_body():
    target = "/api/v1/intents?page=1&pageSize=10"
    assert compute_signature(VECTOR_SECRET, "GET", target, "1708851000000", "") == GET_VECTOR_SIGNATURE


def test_string_to_sign_is_method_target_timestamp_body():
    assert string_to_sign("post", "/a?b=1", 17, b"{}") == b"POST/a?b=117{}"


def test_body_bytes_and_text_sign_the_same():
    assert compute_signature("s", "POST", "/p", 1, VECTOR_BODY.encode()) == compute_signature("s", "POST", "/p", 1, VECTOR_BODY)


def test_hex_is_compared_case_insensitively():
    assert signatures_match(VECTOR_SIGNATURE, VECTOR_SIGNATURE.upper())
    assert not signatures_match(VECTOR_SIGNATURE, VECTOR_SIGNATURE[:-1] + "0")
    assert not signatures_match(VECTOR_SIGNATURE, "签名")


def test_signed_headers_carry_the_three_headers_and_json_content_type_with_a_body():
    headers = signed_headers("app", VECTOR_SECRET, "POST", "/api/v1/intents", VECTOR_BODY, 1708851000000)
    assert headers == {"X-App-Id": "app", "X-Timestamp": "1708851000000", "X-Signature": VECTOR_SIGNATURE,
                       "Content-Type": "application/json"}
    assert "Content-Type" not in signed_headers("app", "s", "GET", "/p")


def test_secrets_are_stored_encrypted_and_read_back():
    token = secretbox.encrypt("my-secret")
    assert "my-secret" not in token
    assert secretbox.decrypt(token) == "my-secret"


def test_a_second_key_still_decrypts_and_reencrypt_moves_to_the_first(settings):
    settings.SIGNING_ENCRYPTION_KEY = "old-passphrase"
    old_token = secretbox.encrypt("s1")
    settings.SIGNING_ENCRYPTION_KEY = "new-passphrase,old-passphrase"
    assert secretbox.decrypt(old_token) == "s1"
    new_token = secretbox.reencrypt(old_token)
    settings.SIGNING_ENCRYPTION_KEY = "new-passphrase"
    assert secretbox.decrypt(new_token) == "s1"
    with pytest.raises(secretbox.SecretDecryptionError):
        secretbox.decrypt(old_token)


# --- the published vectors, in every language partners use ------------------------------------------

import json  # noqa: E402
from pathlib import Path  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402

from core.signing import decoded_target  # noqa: E402
from tests.support.node import node, typescript_to_module  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / "docs" / "partner-clients"
VECTORS = json.loads((CLIENTS / "vectors.json").read_text())["vectors"]
GUIDE = (ROOT / "docs" / "partner-guide.md").read_text()


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["name"])
def test_each_vector_signs_as_published_and_the_guide_shows_it(vector):
    assert string_to_sign(vector["method"], vector["target"], vector["timestamp"], vector["body"]) == \
        vector["stringToSign"].encode()
    assert compute_signature(vector["secret"], vector["method"], vector["target"], vector["timestamp"],
                             vector["body"]) == vector["signature"]
    assert f"`{vector['signature']}`" in GUIDE


def test_the_wire_form_of_the_written_vector_decodes_to_it():
    written = next(v for v in VECTORS if "wireTarget" in v)
    assert decoded_target(written["wireTarget"]) == written["target"]


@pytest.mark.parametrize("wire, decoded", [
    ("/api/v1/intents?filter%5Bstatus%5D=SUBMITTED", "/api/v1/intents?filter[status]=SUBMITTED"),
    ("/i?t=%E6%89%8B%E6%9C%BA", "/i?t=手机"),
    ("/i?t=%e6%89%8b", "/i?t=手"),
    ("/i?s=a%2Cb%20c%7E", "/i?s=a,b c~"),
    ("/i?x=%F0%9F%98%80", "/i?x=😀"),
])
def test_meaningless_escapes_are_decoded(wire, decoded):
    assert decoded_target(wire) == decoded


@pytest.mark.parametrize("wire", [
    "/i?t=a%26b", "/i?t=a%3Db", "/i?t=a%3db", "/i?t=a%2Bb", "/i?t=a%23b", "/i?t=a%25b", "/i?t=a%2525",
    "/i?t=a%3Bb", "/i%2Fj", "/i?t=a%3Fb", "/i?t=%00", "/i?t=%0A",
    "/i?t=%E6%89", "/i?t=%FF", "/i?t=%C0%AF", "/i?t=%ED%A0%80",  # not whole (or not valid) UTF-8 characters
    "/i?t=plain", "/i",
])
def test_delimiters_and_broken_sequences_are_never_decoded(wire):
    assert decoded_target(wire) is None


def test_decoding_keeps_delimiters_around_what_it_decodes():
    assert decoded_target("/i?a=%5B%26%5D&b=%E6%89%8B%25") == "/i?a=[%26]&b=手%25"


def test_the_javascript_module_signs_every_vector():
    done = subprocess.run([node(), str(CLIENTS / "js" / "check-vectors.mjs")], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("ok   ") == len(VECTORS)


def test_the_javascript_cli_prints_the_headers_and_refuses_bad_input():
    cli = [node(), str(CLIENTS / "js" / "generate-signature.mjs")]
    vector = VECTORS[0]
    done = subprocess.run([*cli, "--secret", vector["secret"], "--method", "post", "--path", vector["target"],
                           "--body", vector["body"], "--timestamp", vector["timestamp"], "--app-id", "dev_app_local"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["X-App-Id: dev_app_local", f"X-Timestamp: {vector['timestamp']}",
                                        f"X-Signature: {vector['signature']}", "Content-Type: application/json"]
    assert subprocess.run([*cli, "--help"], capture_output=True, timeout=60).returncode == 0
    for bad in (["--path", "/x"], ["--secret", "s", "--path", "x"], ["--secret", "s", "--path", "/x", "--timestamp", "soon"],
                ["--secret", "s", "--path", "/x", "--nope"]):
        refused = subprocess.run([*cli, *bad], capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
        assert refused.returncode == 2 and "usage:" in refused.stderr, bad


def test_seed_001s_own_typescript_signs_every_vector(tmp_path):
    module = typescript_to_module(CLIENTS / "ts" / "seed-signature.ts", tmp_path)
    script = (
        "const { calculateSignature } = await import(process.argv[1]);"
        "const vectors = JSON.parse(process.argv[2]);"
        "console.log(JSON.stringify(vectors.map(v => calculateSignature(v.method, v.target, v.timestamp, v.body, v.secret))));"
    )
    done = subprocess.run([node(), "--input-type=module", "-e", script, module.as_uri(), json.dumps(VECTORS)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [v["signature"] for v in VECTORS]


def test_the_guides_java_snippet_prints_the_vectors(tmp_path):
    if shutil.which("java") is None:
        pytest.skip("needs a JDK (java) on PATH")
    code = re.search(r"<!-- java-snippet[^>]*-->\n```java\n(.*?)```", GUIDE, re.S).group(1)
    source = tmp_path / "PartnerSignature.java"
    source.write_text(code)
    done = subprocess.run(["java", str(source)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    expected = [VECTORS[0]["signature"], next(v for v in VECTORS if "wireTarget" in v)["signature"]]
    assert done.stdout.split() == expected
