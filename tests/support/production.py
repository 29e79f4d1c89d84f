"""Environment for running the service as production in a test: fresh secrets per call.

Never write a production secret into a test as a literal: every literal is published, and
production refuses published values (config.secret_policy, tests/core/test_secret_policy.py).
"""
import base64
import os
import secrets


def production_secrets() -> dict[str, str]:
    """DJANGO_SECRET_KEY, JWT_SECRET and SIGNING_ENCRYPTION_KEY as an operator would generate them."""
    return {
        "DJANGO_SECRET_KEY": secrets.token_hex(32),
        "JWT_SECRET": secrets.token_hex(32),
        "SIGNING_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),  # a Fernet key
    }
