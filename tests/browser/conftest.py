"""A real headless Chromium driving the live server: the sample site on a phone-sized screen, and the admin
studio at a desk.

Chromium starts after the test's content is built and stops before the database is flushed: with
Playwright's loop running, Django hands the test thread a different connection object, one without the
snapshot that serialized rollback restores the page tree from.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.chromium import PHONE, launched_chromium

SCREENSHOTS = Path(settings.BASE_DIR) / "screenshots"


@pytest.fixture
def sample_site(transactional_db):
    from tests.builders import publish_sample_site

    return publish_sample_site()


@pytest.fixture
def phone(sample_site) -> Iterator:
    """A fresh phone-sized tab (own storage, so elder mode starts off) onto the sample site."""
    with launched_chromium() as browser:
        context = browser.new_context(**PHONE)
        try:
            yield context.new_page()
        finally:
            context.close()


@pytest.fixture
def admin_studio(transactional_db):
    """Two doctors, an editor, an entry to start from and another doctor's draft (tests.builders.AdminStudio)."""
    from tests.builders import build_admin_studio

    return build_admin_studio()


@pytest.fixture
def studio(admin_studio):
    """What the admin tests of a module start from: the admin studio, unless the module builds more."""
    return admin_studio


@pytest.fixture
def sink(studio) -> Iterator:
    """A local signed-webhook sink, set up as the default site's webhook channel on the Channels screen's model."""
    from wagtail.models import Site

    from distribution.campaigns.models import ChannelSettings
    from tests.builders import WEBHOOK_SECRET
    from tests.channel_pool import close_configured_channels
    from tests.fakes.webhook_sink import WebhookSink

    with WebhookSink(WEBHOOK_SECRET) as receiver:
        ChannelSettings.objects.update_or_create(
            site=Site.objects.get(is_default_site=True),
            defaults=dict(
                webhook_enabled=True,
                webhook_endpoint=receiver.url(),
                webhook_secret=WEBHOOK_SECRET,
                webhook_allow_plain_http=True,
            ),
        )
        close_configured_channels()
        yield receiver
        close_configured_channels()


@pytest.fixture
def browser(request, studio) -> Iterator:
    """One Chromium for the test, started once the module's ``studio`` (and the ``sink``, when the test uses
    it: it writes the channel settings) is in the database."""
    if "sink" in request.fixturenames:
        request.getfixturevalue("sink")
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
