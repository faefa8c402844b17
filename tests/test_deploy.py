"""Production settings pass Django's deployment checks and collect the static files the
image serves; the CI's production rehearsal runs what the image and compose run; no migration
is missing."""

import json
import os
import re
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
        if k
        not in {
            *("DEBUG", "SECRET_KEY", "CREDENTIALS_KEY"),
            *("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"),
        }
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


def check_deploy(**env):
    """`check --deploy` failing on warnings, as production starts (DEBUG off, a real-looking
    key and host), with `env` on top."""
    return run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        **{
            "SECRET_KEY": "x7Hq2-production-like-secret-" + "k" * 40,
            "CREDENTIALS_KEY": PRODUCTION_LIKE_CREDENTIALS_KEY,
            "ALLOWED_HOSTS": "reviewdesk.example.com",
            **env,
        },
    )


# A Fernet key (32 url-safe base64 bytes) that is not the tests' own.
PRODUCTION_LIKE_CREDENTIALS_KEY = "cHJvZHVjdGlvbi1saWtlLWNyZWRlbnRpYWxzLWtleSE="


class DeployTestCase(SimpleTestCase):
    def test_it_passes_check_deploy_with_production_settings(self):
        result = check_deploy()
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no issues", result.stdout)

    def test_it_refuses_to_start_in_production_without_a_secret_key(self):
        result = run_manage("check", DEBUG="0", ALLOWED_HOSTS="x.example.com")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SECRET_KEY", result.stderr)

    def test_it_refuses_to_start_in_production_without_a_credentials_key(self):
        result = check_deploy(CREDENTIALS_KEY="")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("Set the environment variable CREDENTIALS_KEY", result.stderr)

    def test_migrate_which_starts_every_service_stops_without_a_credentials_key(self):
        # compose runs `migrate` before web, worker and beat: it must stop there.
        result = run_manage(
            "migrate",
            "--plan",
            DEBUG="0",
            SECRET_KEY="x7Hq2-production-like-secret-" + "k" * 40,
            ALLOWED_HOSTS="reviewdesk.example.com",
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("Set the environment variable CREDENTIALS_KEY", result.stderr)

    def test_it_names_a_credentials_key_that_is_not_a_fernet_key(self):
        result = check_deploy(CREDENTIALS_KEY="not-a-fernet-key")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("CREDENTIALS_KEY is not a Fernet key", result.stderr)

    def test_it_names_a_bad_boolean_in_the_environment(self):
        result = run_manage("check", DEBUG="maybe")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DEBUG='maybe' is not a boolean", result.stderr)


class CollectstaticTestCase(SimpleTestCase):
    def test_it_collects_static_files_with_production_settings(self):
        # What the Dockerfile runs: DEBUG off picks whitenoise's manifest storage, which
        # fails on any file that refers to another one missing from static/. Building the
        # image needs no runtime secret: no CREDENTIALS_KEY here (the services' start needs it).
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


def _compose_command(compose: str, service: str) -> str:
    block = re.search(rf"^  {service}:\n(.*?)(?=^  \S|\Z)", compose, re.M | re.S)
    command = re.search(r"command: \[(.*)\]", block.group(1))
    return " ".join(json.loads(f"[{command.group(1)}]"))


class RehearsalTestCase(SimpleTestCase):
    """.ci/rehearse is only worth its minutes while it starts what production starts."""

    def setUp(self):
        self.rehearsal = re.sub(r"\\\n\s*", "", (ROOT / ".ci" / "rehearse").read_text())
        self.compose = (ROOT / "docker-compose.yml").read_text()
        self.dockerfile = (ROOT / "Dockerfile").read_text()

    def test_it_starts_the_worker_and_beat_as_compose_does(self):
        for service in ("worker", "beat"):
            command = _compose_command(self.compose, service)
            # Only the schedule file's folder differs: the image's var/ against a temporary one.
            command = re.sub(r"/app/var/(\S+)", r'"$REVIEWDESK_VAR_DIR/\1"', command)
            command = command.removeprefix("celery ")
            self.assertTrue(command in self.rehearsal, f"{service}: {command}")

    def test_it_starts_gunicorn_as_the_image_does(self):
        cmd = re.search(r"^CMD (\[.*\])$", self.dockerfile, re.M)
        command = " ".join(json.loads(cmd.group(1)))
        command = command.replace("0.0.0.0:8000", '"127.0.0.1:$port"')
        command = command.removeprefix("gunicorn ")
        self.assertTrue(command in self.rehearsal, command)

    def test_it_collects_static_files_as_the_image_does(self):
        self.assertIn("RUN SECRET_KEY=collectstatic-only DEBUG=0 python manage.py", self.dockerfile)
        self.assertIn('SECRET_KEY=collectstatic-only "$bin/python"', self.rehearsal)
        self.assertNotIn("CREDENTIALS_KEY=collectstatic", self.dockerfile + self.rehearsal)
        self.assertIn("manage.py collectstatic --noinput", self.dockerfile)
        self.assertIn("manage.py collectstatic --noinput", self.rehearsal)

    def test_it_sets_the_environment_compose_gives_the_app(self):
        block = re.search(r"^  environment: &app-env\n((?:    .*\n)+)", self.compose, re.M)
        compose_names = set(re.findall(r"^    ([A-Z_]+):", block.group(1), re.M))
        rehearsal_names = set(re.findall(r"^export ([A-Z_]+)=", self.rehearsal, re.M))
        # The image sets the folder for files in its Dockerfile (ENV), compose does not.
        self.assertEqual(compose_names, rehearsal_names - {"REVIEWDESK_VAR_DIR"})


class MigrationsTestCase(TestCase):
    def test_it_has_no_missing_migrations(self):
        out = StringIO()
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
        self.assertIn("No changes detected", out.getvalue())
