# ReviewDesk image: web (gunicorn), worker and beat all run from it (see docker-compose.yml).
# CI rehearses the same install, collectstatic and commands without Docker (.ci/rehearse).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    REVIEWDESK_VAR_DIR=/app/var
WORKDIR /app

COPY pyproject.toml ./
COPY config ./config
COPY reviews ./reviews
COPY outreach ./outreach
COPY reports ./reports
COPY demo ./demo
RUN pip install --upgrade pip && pip install .

COPY . .
# collectstatic needs settings to load: a throwaway secret key, used for nothing else.
RUN SECRET_KEY=collectstatic-only DEBUG=0 python manage.py collectstatic --noinput \
    && useradd --create-home --uid 1000 reviewdesk && mkdir -p var/media && chown -R reviewdesk var
USER reviewdesk

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
