# The project root on sys.path for pytest (tests import config, reviews, outreach).

import pytest


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with empty caches (login failure counts, template fragments)."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
