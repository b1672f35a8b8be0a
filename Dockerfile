# Production image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext compiles the translations at build time; nothing else is needed at run time
# (psycopg2-binary bundles libpq).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, from the pins in pyproject.toml, so code changes reuse this layer.
COPY pyproject.toml ./
RUN python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Static files and compiled translations are baked into the image. The settings module refuses
# to load without SECRET_KEY when DEBUG is off, so give it a throwaway one for these commands.
RUN SECRET_KEY=build-only-not-secret RECTIFY_VAR_DIR=/tmp/build-var \
        python manage.py collectstatic --noinput \
    && if [ -d locale ]; then \
        SECRET_KEY=build-only-not-secret RECTIFY_VAR_DIR=/tmp/build-var \
        python manage.py compilemessages; fi \
    && rm -rf /tmp/build-var

# Run as an unprivileged user; /data (evidence uploads and exports) is a volume it owns.
RUN useradd --system --uid 1000 --home-dir /app --shell /usr/sbin/nologin rectify \
    && mkdir -p /data/media /data/exports \
    && chown -R rectify:rectify /data
USER rectify

ENV MEDIA_ROOT=/data/media \
    EXPORT_ROOT=/data/exports \
    RECTIFY_VAR_DIR=/data/var

EXPOSE 8000
CMD ["gunicorn", "rectify.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
