# Production image: slim Python, a non-root user, gunicorn (gthread, 30 s timeout).
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production \
    MALLOC_ARENA_MAX=2

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

RUN groupadd --system app && useradd --system --gid app --home /app --shell /usr/sbin/nologin app

COPY --chown=app:app . .
# The build needs no secret: collectstatic runs in development mode (only this RUN sees
# DJANGO_ENV=development) with the production storage (STATIC_MANIFEST: hashed, compressed
# files, as WhiteNoise serves them). The image's DJANGO_ENV stays production, which refuses to
# start without real secrets given at run time.
RUN DJANGO_ENV=development STATIC_MANIFEST=true python manage.py collectstatic --noinput \
    && chown -R app:app /app/staticfiles

USER app
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=3).status == 200 else 1)"

CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn config.wsgi -c gunicorn.conf.py"]
