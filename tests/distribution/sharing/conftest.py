"""Shared links tests: the sample bilingual site, a clean cache per test, and a public link per article."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.builders import SampleSite, publish_sample_site


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site(db) -> SampleSite:
    return publish_sample_site()
