"""Production settings pass Django's deployment checks and collect the static files the
image serves; no migration is missing."""

import json
import os
import subprocess
import sys
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.test import SimpleTestCase, TestCase

from .procs import ROOT


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    base["DJANGO_SETTINGS_MODULE"] = "config.settings"
    for key in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        base.pop(key, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


class DeployTestCase(SimpleTestCase):
    def test_it_passes_check_deploy_with_production_settings(self):
        result = run_manage(
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            DEBUG="0",
            SECRET_KEY="x7Hq2-production-like-secret-" + "k" * 40,
            ALLOWED_HOSTS="reviewdesk.example.com",
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no issues", result.stdout)

    def test_it_refuses_to_start_in_production_without_a_secret_key(self):
        result = run_manage("check", DEBUG="0", ALLOWED_HOSTS="x.example.com")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SECRET_KEY", result.stderr)

    def test_it_names_a_bad_boolean_in_the_environment(self):
        result = run_manage("check", DEBUG="maybe")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DEBUG='maybe' is not a boolean", result.stderr)


class CollectstaticTestCase(SimpleTestCase):
    def test_it_collects_static_files_with_production_settings(self):
        # What the Dockerfile runs: DEBUG off picks whitenoise's manifest storage, which
        # fails on any file that refers to another one missing from static/.
        with tempfile.TemporaryDirectory() as var_dir:
            result = run_manage(
                "collectstatic",
                "--noinput",
                DEBUG="0",
                SECRET_KEY="collectstatic-only",
                REVIEWDESK_VAR_DIR=var_dir,
            )
            self.assertNotIn("MissingFileError", result.stderr)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            manifest = json.loads((Path(var_dir) / "staticfiles" / "staticfiles.json").read_text())
        self.assertIn("vendor/chart-4.6.1.umd.min.js", manifest["paths"])
        self.assertIn("vendor/htmx-2.0.11.min.js", manifest["paths"])


class MigrationsTestCase(TestCase):
    def test_it_has_no_missing_migrations(self):
        out = StringIO()
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
        self.assertIn("No changes detected", out.getvalue())
