from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from . import crypto, security  # noqa: F401 (crypto registers its system check)

        # Django's login signals are the one place both login pages (ours and the admin's)
        # report how an attempt ended; the per-username delay counts from them.
        user_login_failed.connect(security.on_login_failed, dispatch_uid="reviews-login-delay")
        user_logged_in.connect(security.on_logged_in, dispatch_uid="reviews-login-delay")
