"""
What a production secret must be, and the values this repository has published.

Production (DJANGO_ENV=production, or DEBUG off) refuses to start when DJANGO_SECRET_KEY,
JWT_SECRET or SIGNING_ENCRYPTION_KEY (each of its comma-separated keys) is missing, shorter
than MIN_LENGTH, repetitive, carries a placeholder marker, or is one of PUBLISHED_SECRETS.

"Published" is kept cheap at start-up: PUBLISHED_SECRETS lists every secret-looking value that
appears in the repository's files (compose fallbacks, docs, README, tests, the development
defaults below), and tests/core/test_secret_policy.py reads every file of the repository for
assignments to these variables and fails on any value not listed here. A value that was ever
committed stays listed: it is in the history even after the file changes.
"""
from collections import Counter
import math

# The development defaults (DEBUG on, nothing set). Never valid in production.
DEVELOPMENT_SECRET_KEY = "dev-insecure-secret-key-change-me-0123456789abcdef"
DEVELOPMENT_JWT_SECRET = "dev-insecure-jwt-secret-change-me"

PUBLISHED_SECRETS = frozenset({
    DEVELOPMENT_SECRET_KEY,
    DEVELOPMENT_JWT_SECRET,
    # docker-compose.yml's former fallbacks (${VAR:-...}), and the Dockerfile's build-time key
    "change-me-to-a-long-random-string-before-deploying",
    "change-me-signing-encryption-key",
    "change-me-jwt-secret",
    "build-only-not-a-secret",
    # values in tests and docs (keys re-keyed in tests, docs' "new,old" example)
    "old-passphrase",
    "new-passphrase",
    "brand-new-key",
    "new",
    "old",
    "k" * 20 + "-Xy9$1a2b3c4d5e6f7g8h9i0jKLMNOPQRSTUV",
    "live-parsing-jwt-secret-" + "j" * 40,
    "x" * 64,
    "y" * 64,
    "z" * 64,
    "j" * 64,
    "s" * 64,
})

# Substrings that mark a value somebody wrote by hand as a stand-in, not generated.
PLACEHOLDER_MARKERS = ("change-me", "changeme", "insecure", "not-a-secret", "placeholder", "example",
                       "development-only", "build-only", "your-secret", "secret-here")

MIN_LENGTH = 32
# A character-frequency estimate of the value's entropy (length x Shannon entropy of its
# characters): it cannot certify randomness, it refuses repetition ("xxxx...", "abab...").
# 32 random hex characters (openssl rand -hex 16) score about 115, 64 about 245.
MIN_ESTIMATED_BITS = 80

HOW_TO_GENERATE = "generate one with `openssl rand -hex 32` (or `make docker-env` for docker compose)"


def estimated_bits(value: str) -> float:
    """Length times the Shannon entropy of the value's character frequencies."""
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values()) * n if n else 0.0


def secret_problem(value: str) -> str | None:
    """Why `value` cannot be a production secret, or None when it can."""
    if not value or not value.strip():
        return "is unset"
    if value in PUBLISHED_SECRETS:
        return "is a value published in this repository"
    lowered = value.lower()
    for marker in PLACEHOLDER_MARKERS:
        if marker in lowered:
            return f"looks like a placeholder (contains {marker!r})"
    if len(value) < MIN_LENGTH:
        return f"is shorter than {MIN_LENGTH} characters"
    if estimated_bits(value) < MIN_ESTIMATED_BITS:
        return "is too repetitive to be random"
    return None


def production_secret_errors(secrets: dict[str, str], *, comma_separated: frozenset[str] = frozenset()) -> list[str]:
    """One message per unacceptable secret of `secrets` (name -> value); names in
    `comma_separated` hold several keys, each judged on its own."""
    errors = []
    for name, value in secrets.items():
        parts = [part.strip() for part in value.split(",")] if name in comma_separated and value else [value]
        for index, part in enumerate(parts):
            problem = secret_problem(part)
            if problem:
                which = f"{name} (key {index + 1})" if len(parts) > 1 else name
                errors.append(f"{which} {problem}")
    return errors
