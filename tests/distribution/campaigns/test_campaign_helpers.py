"""Fixtures shared by the campaign, follow-up and delivery tests (no tests of its own)."""

from __future__ import annotations

import pytest

from tests.builders import PUBLIC_BASE


@pytest.fixture
def public_base(settings):
    settings.KEPU_PUBLIC_BASE_URL = PUBLIC_BASE
    return PUBLIC_BASE


@pytest.fixture
def doctor(people):
    return people["doctor_a"].doctor_profile
