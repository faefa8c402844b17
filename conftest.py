# The project root on sys.path for pytest (tests import config, reviews, outreach).

import pytest


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache (it holds login failure counts)."""
    from django.core.cache import cache

    cache.clear()
