"""The admin side: an article's links page (copy, QR download, revoke, new link), the dashboard panel, the CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
import segno
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from PIL import Image

from cms.core.studio_setup import DOCTORS, EDITORS
from distribution.sharing import analytics
from distribution.sharing.models import ReadEvent, ShareLink, share_link_for
from media_pipeline.render.qr import MIN_QUIET_ZONE
from tests.admin_language import admin_text

pytestmark = pytest.mark.django_db


def _user(username: str, group: str | None = None, **extra):
    user = get_user_model().objects.create_user(username=username, password="pw", **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def doctor_client(client, site):
    site.doctor.user.groups.add(Group.objects.get(name=DOCTORS))
    client.force_login(site.doctor.user)
    return client


def test_doctor_makes_copies_and_revokes_a_link(doctor_client, site):
    url = f"/admin/shared-links/article/{site.article_zh.pk}/"
    response = doctor_client.get(url)
    assert response.status_code == 200
    response = doctor_client.post(
        url, {"label": "候诊室海报", "audience_key": "group:7", "expires_at": "2099-01-01T08:00"}
    )
    assert response.status_code == 302
    link = ShareLink.objects.get(article=site.article_zh, audience_key="group:7")
    assert link.label == "候诊室海报" and link.expires_at.year == 2099 and link.created_by == site.doctor.user
    html = doctor_client.get(url).content.decode()
    assert link.public_url in html and 'data-action="w-clipboard#copy"' in html
    assert f"/s/{link.token}/qr.png?download=1" in html and f"/s/{link.token}/qr.svg?download=1" in html
    assert "<svg" in html and admin_text("Revoke now") in html

    # A second active link for the same audience is refused with a clear reason, no 500.
    response = doctor_client.post(url, {"audience_key": "group:7"})
    assert (
        response.status_code == 200
        and admin_text(
            "This audience already has an active link. Tick 'replace' to revoke it and make a new one, "
            "or use the existing link."
        )
        in response.content.decode()
    )
    response = doctor_client.post(url, {"audience_key": "13800138000"})
    assert "campaign:12" in response.content.decode()
    response = doctor_client.post(url, {"audience_key": "group:8", "expires_at": "2001-01-01T00:00"})
    assert admin_text("Choose a time in the future.") in response.content.decode()

    assert doctor_client.post(f"/admin/shared-links/{link.pk}/revoke/").status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert doctor_client.get(link.get_absolute_url()).status_code == 410


def test_header_button_leads_to_the_links_page(doctor_client, site):
    html = doctor_client.get(f"/admin/pages/{site.article_zh.pk}/edit/").content.decode()
    assert f"/admin/shared-links/article/{site.article_zh.pk}/" in html


def test_other_doctors_cannot_see_or_revoke_the_links(client, site):
    link = share_link_for(site.article_zh)
    client.force_login(_user("dr.other", DOCTORS))
    # Wagtail answers a refused admin request with a redirect to the dashboard and a message.
    response = client.get(f"/admin/shared-links/article/{site.article_zh.pk}/")
    assert response.status_code in (302, 403) and link.token not in response.content.decode()
    assert client.post(f"/admin/shared-links/{link.pk}/revoke/").status_code in (302, 403)
    link.refresh_from_db()
    assert link.revoked_at is None


def test_qr_png_has_a_quiet_zone_and_medium_error_correction(client, site):
    link = share_link_for(site.article_zh)
    for scale in (4, 12):
        check_qr_png(client, link, scale)


def check_qr_png(client, link, scale: int) -> None:
    response = client.get(f"/s/{link.token}/qr.png", {"scale": scale, "download": "1"})
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="eating-well-with-high-blood-pressure-public-qr'
    )
    expected = segno.make(link.public_url, error="m", boost_error=True, micro=False)
    assert expected.error in ("M", "Q", "H")
    image = Image.open(io.BytesIO(response.content)).convert("L")
    modules = expected.symbol_size(scale=1, border=0)[0]
    assert image.size == ((modules + 2 * MIN_QUIET_ZONE) * scale,) * 2
    margin = MIN_QUIET_ZONE * scale
    width = image.size[0]
    quiet = [image.getpixel((x, y)) for x in range(width) for y in range(margin)]
    quiet += [image.getpixel((x, y)) for x in range(margin) for y in range(width)]
    assert min(quiet) == 255  # all white around the symbol
    # The finder pattern's dark corner starts right after the quiet zone; the modules match segno's matrix.
    for row in range(modules):
        for column in range(modules):
            pixel = image.getpixel((margin + column * scale + scale // 2, margin + row * scale + scale // 2))
            assert (pixel < 128) == bool(expected.matrix[row][column])


def test_qr_svg_is_vector_with_the_same_symbol(client, site):
    link = share_link_for(site.article_zh)
    response = client.get(f"/s/{link.token}/qr.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith("<svg") and "<path" in svg and "<script" not in svg
    modules = segno.make(link.public_url, error="m", boost_error=True, micro=False).symbol_size(scale=1, border=0)[0]
    size = (modules + 2 * MIN_QUIET_ZONE) * 10
    assert re.search(rf'width="{size}" height="{size}"', svg)
    assert client.get(f"/s/{link.token}/qr.gif").status_code == 404
    assert client.get(f"/s/{link.token}/qr.png", {"scale": "999"}).status_code == 400
    assert client.get(f"/s/{link.token}/qr.png", {"scale": "x"}).status_code == 400


def _reads(site):
    own = share_link_for(site.article_zh, "campaign:1")
    for _ in range(3):
        analytics.increment(own, ReadEvent.VIEW)
    analytics.increment(own, ReadEvent.READ_TO_END)
    analytics.increment(own, ReadEvent.AUDIO_PLAY)
    return own


def test_dashboard_panel_shows_a_doctor_their_own_reads(doctor_client, site):
    _reads(site)
    html = doctor_client.get("/admin/").content.decode()
    assert admin_text("Reads through shared links") in html
    panel = html[html.index('id="shared-link-reads') :]
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in panel and "<rect" in panel and "<circle" in panel
    totals = admin_text(
        "Last %(days)s days: %(views)s views, %(ends)s read to the end, %(plays)s audio plays. "
        "Bars: views per day; line: share read to the end.",
        days=30,
        views=3,
        ends=1,
        plays=1,
    )
    assert site.article_zh.title in panel and totals in panel
    assert "(33%)" in panel


def test_dashboard_panel_hides_other_doctors_articles_and_editors_see_all(client, site):
    _reads(site)
    client.force_login(_user("dr.other", DOCTORS))
    html = client.get("/admin/").content.decode()
    assert site.article_zh.title not in html
    client.force_login(_user("editor.li", EDITORS))
    html = client.get("/admin/").content.decode()
    assert admin_text("Reads through shared links") in html and site.article_zh.title in html


def test_csv_export_per_article_link_and_day(doctor_client, site):
    link = _reads(site)
    site.article_zh.title = '=HYPERLINK("x")'  # a formula in a title must not run in Excel
    site.article_zh.save_revision().publish()
    response = doctor_client.get("/admin/shared-links/reads.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    row = rows[0]
    assert row["article_id"] == str(site.article_zh.pk) and row["link_id"] == str(link.pk)
    assert row["audience"] == "campaign:1" and row["views"] == "3" and row["reads_to_end"] == "1"
    assert row["article_title"].startswith("'=")
    assert doctor_client.get("/admin/shared-links/reads.csv", {"days": "0"}).status_code == 400
    assert doctor_client.get("/admin/shared-links/reads.csv", {"article": "x"}).status_code == 400


def test_command_makes_lists_and_revokes_links(site):
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command(
        "share_links", "create", str(site.article_zh.pk), "--audience", "group:2", "--expires-in-days", "7", stdout=out
    )
    url = out.getvalue().strip()
    link = ShareLink.objects.get(audience_key="group:2")
    assert url == link.public_url and link.expires_at > link.created_at
    with pytest.raises(CommandError, match="--replace"):
        call_command("share_links", "create", str(site.article_zh.pk), "--audience", "group:2", stdout=io.StringIO())
    out = io.StringIO()
    call_command("share_links", "list", str(site.article_zh.pk), stdout=out)
    assert "active" in out.getvalue() and "group:2" in out.getvalue()
    call_command("share_links", "revoke", link.token, stdout=io.StringIO())
    link.refresh_from_db()
    assert link.state == "revoked"
    with pytest.raises(CommandError, match="no link"):
        call_command("share_links", "revoke", "nope", stdout=io.StringIO())


def test_tokens_never_look_like_command_line_options(site):
    """An operator pastes a token after ``share_links revoke``: a leading "-" would be read as an option."""
    from django.core.management import call_command

    from distribution.sharing.models import new_token

    assert not any(new_token().startswith("-") for _ in range(2000))  # one in 64 did before
    old = ShareLink.objects.create(article=site.article_zh, audience_key="group:3", token="-" + new_token()[1:])
    call_command("share_links", "revoke", "--", old.token, stdout=io.StringIO())  # links made earlier: after "--"
    old.refresh_from_db()
    assert old.state == "revoked"
