# Production image: slim Python, a non-root user, gunicorn (gthread, 30 s timeout) on port 3000,
# the port seed 000's probes, health check and load-balancer upstream address.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production \
    MALLOC_ARENA_MAX=2 \
    PORT=3000

# curl: seed 000's health check (`curl -f http://localhost:3000/api/v1/health`) runs in the
# image, for HEALTHCHECK below and for compose and orchestrators that exec the seed's command.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

# A fixed numeric id, so that Kubernetes' runAsNonRoot can verify it (deploy/k8s/deployment.yaml).
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home /app --shell /usr/sbin/nologin app

COPY --chown=app:app . .
# The build needs no secret: collectstatic runs in development mode (only this RUN sees
# DJANGO_ENV=development) with the production storage (STATIC_MANIFEST: hashed, compressed
# files, as WhiteNoise serves them). The image's DJANGO_ENV stays production, which refuses to
# start without real secrets given at run time.
RUN DJANGO_ENV=development STATIC_MANIFEST=true python manage.py collectstatic --noinput \
    && chown -R app:app /app/staticfiles

USER 10001
# gunicorn binds 0.0.0.0:$PORT (gunicorn.conf.py); set PORT, not GUNICORN_BIND, to move it, so
# that the health check follows.
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=3s --start-period=40s --retries=3 \
  CMD ["sh", "-c", "curl -f -sS -o /dev/null \"http://localhost:${PORT}/api/v1/health\" || exit 1"]

CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn config.wsgi -c gunicorn.conf.py"]
