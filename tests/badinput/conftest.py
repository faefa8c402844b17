"""Hypothesis settings for the bad-input tests: no deadline (the first example pays for
jieba's and Django's warm-up, and CI machines are shared), a modest number of examples so
the suite stays fast, and no example database written into the work tree.

HYPOTHESIS_PROFILE=badinput-thorough runs ten times the examples (minutes, not seconds)."""

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "database": None,
    "print_blob": True,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
}
settings.register_profile("badinput", max_examples=40, **_COMMON)
settings.register_profile("badinput-thorough", max_examples=400, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "badinput"))
