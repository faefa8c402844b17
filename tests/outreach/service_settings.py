"""Settings of the worker and dispatcher subprocesses the service tests start."""

from config.test_settings import *  # noqa: F403

from .settings_shim import *  # noqa: F403
