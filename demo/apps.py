from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo shop a newcomer opens with `make run`: it touches every app (shops and
    reviews, the planner through the hand-off, the reports' roll-ups), so it sits above them."""

    name = "demo"
    verbose_name = _("Demo")
