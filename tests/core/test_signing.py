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
