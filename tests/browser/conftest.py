"""A real headless Chromium (Debian's, never a downloaded one) driving the live server on a phone-sized screen."""

from __future__ import annotations

import os
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
SCREENSHOTS = Path(settings.BASE_DIR) / "screenshots"


@contextmanager
def _orm_usable_beside_playwright() -> Iterator[None]:
    """While Playwright's sync API runs, it keeps an event loop in the test thread; Django's
    async-safety check would refuse the ORM calls a test makes (page URLs read the Site table)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def sample_site(transactional_db):
    from tests.builders import publish_sample_site

    return publish_sample_site()


@pytest.fixture
def phone(sample_site) -> Iterator:
    """A fresh phone-sized tab (own storage, so elder mode starts off) onto the sample site.

    Chromium starts after the content is built and stops before the database is flushed: with
    Playwright's loop running, Django hands the test thread a different connection object, one
    without the snapshot that serialized rollback restores the page tree from.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with _orm_usable_beside_playwright(), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(**PHONE)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
