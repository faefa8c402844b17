"""`make bench` on a fresh database: the runner migrates before any area, so a newcomer's empty
PostgreSQL database works (it used to fail with `relation "reviews_shop" does not exist`)."""

import json
import os
import subprocess
import sys
import uuid

import psycopg2
import pytest
from django.db import connection

from .procs import ROOT


@pytest.fixture
def fresh_database():
    """An empty PostgreSQL database of this test's own, dropped afterwards; its URL."""
    if connection.vendor != "postgresql":
        pytest.skip("the benchmarks run against PostgreSQL")
    conf = connection.settings_dict
    name = f"bench_fresh_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(
        dbname="postgres",
        user=conf["USER"],
        password=conf["PASSWORD"] or None,
        host=conf["HOST"] or "127.0.0.1",
        port=conf["PORT"] or 5432,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    auth = conf["USER"] + (f":{conf['PASSWORD']}" if conf["PASSWORD"] else "")
    yield f"postgres://{auth}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{name}"
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_it_runs_an_area_against_a_fresh_empty_database(fresh_database, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    # A small reports area: a few hundred reviews, their roll-ups, the page timed.
    env.update(
        DATABASE_URL=fresh_database, REVIEWDESK_VAR_DIR=str(tmp_path), BENCH_REPORT_REVIEWS="300"
    )
    result = subprocess.run(
        [sys.executable, "-m", "bench", "reports"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "does not exist" not in result.stderr
    figures = json.loads((tmp_path / "bench.json").read_text())
    assert figures["report_bench_reviews"]["value"] == 300
    assert figures["report_p95_ms"]["value"] > 0
