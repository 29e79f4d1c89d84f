"""Settings come from the environment; production refuses the development secret key."""
import os
from pathlib import Path
import subprocess
import sys

ROOT = Path(__file__).resolve().parents[2]


def run_check(env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)


def test_production_refuses_to_start_on_the_development_secret_key():
    result = run_check({"DJANGO_ENV": "production"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is unset while DEBUG is off" in result.stderr


def test_debug_off_refuses_too():
    result = run_check({"DJANGO_DEBUG": "false"})
    assert result.returncode != 0


def test_production_starts_with_a_real_secret_key():
    result = run_check({"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": "x" * 64, "JWT_SECRET": "y" * 64,
                        "SIGNING_ENCRYPTION_KEY": "z" * 64})
    assert result.returncode == 0, result.stderr


def test_production_refuses_to_start_without_the_signing_encryption_key():
    result = run_check({"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": "x" * 64, "JWT_SECRET": "y" * 64})
    assert result.returncode != 0
    assert "SIGNING_ENCRYPTION_KEY is unset" in result.stderr


def test_production_refuses_the_development_jwt_secret():
    result = run_check({"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": "x" * 64})
    assert result.returncode != 0
    assert "JWT_SECRET is unset" in result.stderr


def test_defaults(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
