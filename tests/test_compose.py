"""docker-compose.yml exposes only what a proxy on the same machine needs, and its proxy
settings start the application."""

import re

import yaml
from django.test import SimpleTestCase

from .procs import ROOT
from .test_deploy import check_deploy

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def compose_default(value: str) -> str:
    """`${NAME:-default}` as compose reads it when NAME is not set."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value))


class ComposeTestCase(SimpleTestCase):
    def test_it_publishes_only_web_and_only_on_the_loopback_address(self):
        published = {name: s["ports"] for name, s in COMPOSE["services"].items() if "ports" in s}
        self.assertEqual(list(published), ["web"])
        for port in published["web"]:
            self.assertTrue(str(port).startswith("127.0.0.1:"), port)

    def test_its_proxy_settings_pass_the_deployment_checks(self):
        environment = COMPOSE["services"]["web"]["environment"]
        self.assertEqual(compose_default(environment["BEHIND_TLS_PROXY"]), "1")
        result = check_deploy(
            BEHIND_TLS_PROXY="1",
            TRUSTED_PROXIES=compose_default(environment.get("TRUSTED_PROXIES", "")),
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
