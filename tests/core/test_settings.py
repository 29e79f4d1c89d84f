"""Settings come from the environment; production refuses to start without real secrets."""
import os
from pathlib import Path
import subprocess
import sys

import pytest

from config.secret_policy import DEVELOPMENT_JWT_SECRET, DEVELOPMENT_SECRET_KEY
from tests.support.production import production_secrets

ROOT = Path(__file__).resolve().parents[2]


def run_check(env_overrides):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("DJANGO_") and k not in {"JWT_SECRET", "SIGNING_ENCRYPTION_KEY"}}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)


def _refusal(result) -> str:
    assert result.returncode != 0, result.stdout
    return result.stderr.strip().splitlines()[-1]


def test_production_refuses_to_start_without_any_secret_and_names_all_three():
    line = _refusal(run_check({"DJANGO_ENV": "production"}))
    assert line == (
        "django.core.exceptions.ImproperlyConfigured: Refusing to start without real secrets "
        "(DJANGO_ENV=production or DEBUG off): DJANGO_SECRET_KEY is unset; JWT_SECRET is unset; "
        "SIGNING_ENCRYPTION_KEY is unset. For each, generate one with `openssl rand -hex 32` "
        "(or `make docker-env` for docker compose); see docs/operations.md, \"Secrets\"."
    )


def test_debug_off_refuses_too():
    assert "DJANGO_SECRET_KEY is unset" in _refusal(run_check({"DJANGO_DEBUG": "false"}))


def test_production_refuses_even_with_debug_forced_on():
    assert "JWT_SECRET is unset" in _refusal(run_check({"DJANGO_ENV": "production", "DJANGO_DEBUG": "true"}))


def test_production_starts_with_generated_secrets():
    result = run_check({"DJANGO_ENV": "production", **production_secrets()})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", ["DJANGO_SECRET_KEY", "JWT_SECRET", "SIGNING_ENCRYPTION_KEY"])
@pytest.mark.parametrize(("value", "problem"), [
    # the fallbacks docker-compose.yml used to supply, each published in the repository
    ("change-me-to-a-long-random-string-before-deploying", "is a value published in this repository"),
    ("change-me-jwt-secret", "is a value published in this repository"),
    (DEVELOPMENT_JWT_SECRET, "is a value published in this repository"),
    (DEVELOPMENT_SECRET_KEY, "is a value published in this repository"),
    ("0123456789abcdef", "is shorter than 32 characters"),
    ("z" * 64, "is a value published in this repository"),
    ("w" * 64, "is too repetitive to be random"),
])
def test_production_refuses_a_missing_short_or_published_secret(name, value, problem):
    line = _refusal(run_check({"DJANGO_ENV": "production", **production_secrets(), name: value}))
    assert f"without real secrets (DJANGO_ENV=production or DEBUG off): {name} {problem}." in line


def test_production_refuses_a_published_key_among_the_encryption_keys():
    secrets = production_secrets()
    keys = f"{secrets['SIGNING_ENCRYPTION_KEY']},change-me-signing-encryption-key"
    line = _refusal(run_check({"DJANGO_ENV": "production", **secrets, "SIGNING_ENCRYPTION_KEY": keys}))
    assert "SIGNING_ENCRYPTION_KEY (key 2) is a value published in this repository." in line


def test_defaults(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
