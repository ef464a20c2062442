# One image, several roles (web, worker, beat, migrate): docker-compose.yml picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    SINERGI_ENV=production \
    SINERGI_INSTANCE_DIR=/var/lib/sinergi

RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /app sinergi \
    && mkdir -p /var/lib/sinergi && chown sinergi /var/lib/sinergi

WORKDIR /app
COPY pyproject.toml README.md ./
COPY coordinator ./coordinator
COPY workers ./workers
COPY migrations ./migrations
# Editable, so that create_app() finds migrations/ beside the package (/app/migrations).
RUN pip install -e .

USER sinergi
EXPOSE 8000
CMD ["gunicorn", "--config", "python:coordinator.gunicorn_conf", "--bind", "0.0.0.0:8000", "--workers", "3", "coordinator:create_app()"]
