"""No secret published in the repository can start production (config.secret_policy).

The policy refuses what PUBLISHED_SECRETS lists; these tests keep that list complete by reading
every file of the repository for values given to the secret variables, and check that docker
compose offers no fallback value for any of them.
"""
import ast
import base64
import os
from pathlib import Path
import re
import secrets
import stat
import subprocess

import pytest
import yaml

from config.secret_policy import PUBLISHED_SECRETS, production_secret_errors, secret_problem

ROOT = Path(__file__).resolve().parents[2]
SECRET_NAMES = ("DJANGO_SECRET_KEY", "SECRET_KEY", "JWT_SECRET", "SIGNING_ENCRYPTION_KEY", "SIGNING_KEY")
PRODUCTION_SECRETS = ("DJANGO_SECRET_KEY", "JWT_SECRET", "SIGNING_ENCRYPTION_KEY")

_NAME = "|".join(sorted(SECRET_NAMES, key=len, reverse=True))
# ${JWT_SECRET:-value} / ${JWT_SECRET-value}: a fallback in compose files and shell scripts
_FALLBACK = re.compile(r"\$\{(?:%s):?-([^}]*)\}" % _NAME)
# JWT_SECRET=value, JWT_SECRET: value, "JWT_SECRET": "value" (shell, YAML, Markdown, env files)
_ASSIGNMENT = re.compile(
    r"(?<![A-Za-z0-9_])(?:%s)[\"']?\s*[:=]\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'`;)\]]+))" % _NAME
)
_FORMATTED = "\0"  # stands for the run-time part of an f-string


def _values(text: str) -> list[str]:
    """The keys a written value stands for: SIGNING_ENCRYPTION_KEY lists several, comma-separated;
    parts computed at run time (substitutions, f-string fields, placeholders like "…") are no value."""
    _run_time = ("$", "…", "...", "<", "{")
    if text.strip().startswith(_run_time):
        return []  # a substitution as a whole (its message may hold commas)
    parts = []
    for part in text.split(","):
        part = part.strip().rstrip("\\").strip()
        if not part or _FORMATTED in part or part.startswith(_run_time):
            continue
        parts.append(part)
    return parts


def _constant(node):
    """The string a Python expression evaluates to when it is made of literals only, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        pieces = []
        for value in node.values:
            pieces.append(value.value if isinstance(value, ast.Constant) else _FORMATTED)
        return "".join(pieces)
    if isinstance(node, ast.BinOp):
        left, right = _constant(node.left), _constant(node.right)
        if isinstance(node.op, ast.Add) and left is not None and right is not None:
            return left + right
        if isinstance(node.op, ast.Mult):
            if left is not None and isinstance(node.right, ast.Constant) and isinstance(node.right.value, int):
                return left * node.right.value
            if right is not None and isinstance(node.left, ast.Constant) and isinstance(node.left.value, int):
                return right * node.left.value
    return None


def python_secret_values(source: str) -> list[str]:
    """Literal values given to a secret name in Python: assignments (names and attributes such as
    settings.JWT_SECRET), dict entries and keyword arguments."""
    found = []

    def take(node):
        value = _constant(node)
        if value is not None:
            found.extend(_values(value))

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", None)
                if name in SECRET_NAMES and node.value is not None:
                    take(node.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value in SECRET_NAMES:
                    take(value)
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in SECRET_NAMES:
                    take(keyword.value)
    return found


def text_secret_values(text: str) -> list[str]:
    """Values given to a secret name in shell, YAML, Dockerfiles, Makefiles and Markdown."""
    found = []
    for match in _FALLBACK.finditer(text):
        found.extend(_values(match.group(1)))
    for match in _ASSIGNMENT.finditer(text):
        found.extend(_values(next(group for group in match.groups() if group is not None)))
    return found


def repository_files() -> list[Path]:
    """Every file of the checkout that git tracks or would track (new files count before their commit)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    return [ROOT / name for name in listed if name and not name.startswith(".hypothesis/") and (ROOT / name).is_file()]


def published_values() -> dict[str, set[str]]:
    """value -> the files that give it to a secret variable."""
    where: dict[str, set[str]] = {}
    for path in repository_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary
        values = python_secret_values(text) if path.suffix == ".py" else text_secret_values(text)
        for value in values:
            where.setdefault(value, set()).add(str(path.relative_to(ROOT)))
    return where


# --- the scanner itself ---------------------------------------------------------------------


def test_the_scanner_finds_values_in_every_form_they_were_written():
    compose = "      JWT_SECRET: ${JWT_SECRET:-change-me-jwt-secret}\n      DJANGO_SECRET_KEY: ${DJANGO_SECRET_KEY:?set it}\n"
    shell = "RUN DJANGO_SECRET_KEY=build-only-not-a-secret python manage.py collectstatic\nexport JWT_SECRET=$(openssl rand -hex 32)\n"
    markdown = "set `SIGNING_ENCRYPTION_KEY=new,old`, then\nDJANGO_SECRET_KEY=… JWT_SECRET=…\n"
    assert text_secret_values(compose) == ["change-me-jwt-secret"]
    assert text_secret_values(shell) == ["build-only-not-a-secret"]
    assert text_secret_values(markdown) == ["new", "old"]
    python = (
        'env = {"DJANGO_SECRET_KEY": "x" * 64, "JWT_SECRET": secrets.token_hex(32)}\n'
        'settings.SIGNING_ENCRYPTION_KEY = f"brand-new-key,{settings.SIGNING_ENCRYPTION_KEY}"\n'
        'JWT_SECRET = "prefix-" + "j" * 3\n'
        'override_settings(SECRET_KEY="abc")\n'
    )
    assert sorted(python_secret_values(python)) == sorted(["x" * 64, "brand-new-key", "prefix-jjj", "abc"])


# --- the repository -------------------------------------------------------------------------


def test_every_secret_value_written_in_the_repository_is_refused_as_published():
    found = published_values()
    assert "change-me-jwt-secret" in PUBLISHED_SECRETS  # the old compose fallback stays refused
    unlisted = {value: sorted(files) for value, files in found.items() if value not in PUBLISHED_SECRETS}
    assert not unlisted, (
        "secret values written in the repository but not in config.secret_policy.PUBLISHED_SECRETS: "
        f"{unlisted}; generate them at run time (tests/support/production.py) or list them there"
    )


def test_compose_has_no_fallback_for_any_secret_and_says_how_to_set_it():
    text = (ROOT / "docker-compose.yml").read_text()
    assert not _FALLBACK.search(text)
    environment = yaml.safe_load(text)["services"]["web"]["environment"]
    for name in PRODUCTION_SECRETS:
        value = environment[name]
        # ${NAME:?message}: compose refuses to start while NAME is unset or empty
        match = re.fullmatch(r"\$\{%s:\?(.+)\}" % name, value)
        assert match, (name, value)
        assert "make docker-env" in match.group(1)


def test_the_published_and_the_development_values_are_all_refused():
    for value in PUBLISHED_SECRETS:
        assert secret_problem(value) is not None, value


def test_docker_env_writes_fresh_acceptable_secrets_once_and_private(tmp_path):
    target = tmp_path / "compose.env"
    make = ["make", "-s", "docker-env", f"ENV_FILE={target}"]
    subprocess.run(make, cwd=ROOT, check=True, capture_output=True)
    first = target.read_text()
    values = dict(line.split("=", 1) for line in first.splitlines())
    assert sorted(values) == sorted(PRODUCTION_SECRETS)
    assert production_secret_errors(values) == []
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    again = subprocess.run(make, cwd=ROOT, check=True, capture_output=True, text=True)
    assert target.read_text() == first  # kept: the encryption key must not change under stored data
    assert "keeping" in again.stdout
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    assert ".env" in (ROOT / ".dockerignore").read_text().split()  # never copied into the image


# --- the rules ------------------------------------------------------------------------------


@pytest.mark.parametrize("generate", [
    lambda: secrets.token_hex(16),  # openssl rand -hex 16: the shortest accepted, 32 characters
    lambda: secrets.token_hex(32),
    lambda: secrets.token_urlsafe(32),
    lambda: base64.urlsafe_b64encode(os.urandom(32)).decode(),  # Fernet.generate_key()
])
def test_generated_secrets_are_accepted(generate):
    for _ in range(2000):
        value = generate()
        assert secret_problem(value) is None, value


@pytest.mark.parametrize(("value", "problem"), [
    ("", "is unset"),
    ("   ", "is unset"),
    ("0123456789abcdef0123456789abcde", "is shorter than 32 characters"),
    ("q" * 64, "is too repetitive to be random"),
    ("ab" * 32, "is too repetitive to be random"),
    ("my-Change-Me-0f1e2d3c4b5a69788796a5b4c3d2e1f0", "looks like a placeholder (contains 'change-me')"),
    ("dev-insecure-jwt-secret-change-me", "is a value published in this repository"),
])
def test_unacceptable_values_are_named_with_their_problem(value, problem):
    assert secret_problem(value) == problem


def test_each_key_of_a_key_list_is_judged():
    good = secrets.token_hex(32)
    assert production_secret_errors({"SIGNING_ENCRYPTION_KEY": f"{good},old"},
                                    comma_separated=frozenset({"SIGNING_ENCRYPTION_KEY"})) == [
        "SIGNING_ENCRYPTION_KEY (key 2) is a value published in this repository"]
    assert production_secret_errors({"SIGNING_ENCRYPTION_KEY": f"{good},{secrets.token_hex(32)}"},
                                    comma_separated=frozenset({"SIGNING_ENCRYPTION_KEY"})) == []
