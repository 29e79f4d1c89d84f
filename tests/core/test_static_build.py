"""The Dockerfile's collectstatic step needs no secret, and production serves what it wrote.

The step is read from the Dockerfile itself and run with no secret in the environment; then a
real gunicorn in production (generated secrets) serves the docs' assets from that output through
WhiteNoise. `bash ../shared/tools/image_check.sh .` (run by .ci/run) builds the whole image.
"""
import json
import os
from pathlib import Path
import re
import shlex
import subprocess
import sys

import pytest

from tests.support.live import ROOT, http, running_service
from tests.support.production import production_secrets

SECRET_NAMES = ("DJANGO_SECRET_KEY", "JWT_SECRET", "SIGNING_ENCRYPTION_KEY")


def dockerfile_collectstatic_env() -> dict[str, str]:
    """The VAR=value assignments the Dockerfile's collectstatic RUN line sets for that command."""
    text = (ROOT / "Dockerfile").read_text()
    line = next(line for line in text.splitlines() if line.startswith("RUN ") and "collectstatic" in line)
    words = shlex.split(line[len("RUN "):].split("&&")[0].rstrip(" \\"))
    assignments = {}
    for word in words[: words.index("python")]:
        name, _, value = word.partition("=")
        assignments[name] = value
    return assignments


def test_the_dockerfile_sets_no_secret_for_the_build():
    assignments = dockerfile_collectstatic_env()
    assert assignments == {"DJANGO_ENV": "development", "STATIC_MANIFEST": "true"}
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^ENV [^#]*DJANGO_ENV=production", text, re.M | re.S)  # run time stays production
    for name in SECRET_NAMES:
        assert name not in text


@pytest.fixture(scope="module")
def built_static(tmp_path_factory):
    """STATIC_ROOT as the image build writes it: the Dockerfile's step, no secret anywhere."""
    root = tmp_path_factory.mktemp("image-static")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k not in SECRET_NAMES}
    env.update(dockerfile_collectstatic_env(), DJANGO_SETTINGS_MODULE="config.settings", STATIC_ROOT=str(root))
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    result = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return Path(root)


def test_collectstatic_writes_the_manifest_production_needs(built_static):
    manifest = json.loads((built_static / "staticfiles.json").read_text())
    hashed = manifest["paths"]["drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css"]
    assert hashed != "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css"
    assert (built_static / hashed).is_file()
    assert (built_static / (hashed + ".gz")).is_file()  # compressed, as WhiteNoise serves them


def test_production_serves_the_docs_from_the_built_files(built_static, tmp_path):
    manifest = json.loads((built_static / "staticfiles.json").read_text())
    hashed = manifest["paths"]["drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css"]
    env = {"DJANGO_ENV": "production", **production_secrets(), "STATIC_ROOT": str(built_static),
           "ENABLE_SWAGGER": "true", "DATABASE_URL": None, "REDIS_URL": None,
           "SQLITE_PATH": str(tmp_path / "db.sqlite3"), "PRESENCE_SNAPSHOTS_AUTOSTART": "false"}
    with running_service(env) as base:
        page_status, _h, page = http("GET", f"{base}/api/docs/")
        asset_status, asset_headers, asset = http("GET", f"{base}/static/{hashed}")
    assert page_status == 200
    assert f"/static/{hashed}".encode() in page  # the page links the hashed name from the manifest
    assert asset_status == 200
    assert asset_headers["Content-Type"].startswith("text/css")
    assert "immutable" in asset_headers["Cache-Control"]  # WhiteNoise's answer for hashed files
    assert asset == (built_static / hashed).read_bytes()
