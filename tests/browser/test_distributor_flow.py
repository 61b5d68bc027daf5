"""The distributor's day in headless Chromium, in Chinese: enrol a group in a follow-up plan, choose a campaign's
channel by checkbox, send it, see the delivered counts, and see the reads chart once a patient opens the link.

The webhook channel is set up on the Channels screen's model and points at a local signed-webhook sink; tasks run
in the web process (test settings), so "Send now" has sent everything by the time the report reloads.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Site

from distribution.campaigns.models import Campaign, FollowUpEnrolment, FollowUpPlan
from distribution.patients.models import DISTRIBUTORS, ContactPoint, Patient, PatientGroup
from distribution.sharing.models import ReadStat, ShareLink
from tests.admin_language import admin_text
from tests.browser.admin_pages import admin_message, log_in, open_admin, snap
from tests.browser.chromium import PHONE
from tests.builders import WEBHOOK_SECRET, admin_person, build_admin_studio, published_article_with_media_jobs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PATIENTS = 3


@pytest.fixture
def studio(transactional_db):
    studio = build_admin_studio()
    distributor = admin_person("ops.sun", DISTRIBUTORS, "孙运营")
    article = published_article_with_media_jobs(studio, title="少盐饮食的五个要点")
    profile = studio.doctor.doctor_profile
    patients = []
    for i in range(PATIENTS):
        patient = Patient.objects.create(doctor=profile, display_name=f"患者{i}")
        patient.tags.add("高血压")
        patient.save()
        ContactPoint.objects.create(
            patient=patient, channel="webhook", address=f"HIS-{i:04d}", consent_at=timezone.now()
        )
        patients.append(patient)
    group = PatientGroup.objects.create(doctor=profile, name="高血压门诊", kind=PatientGroup.RULE, any_tags="高血压")
    call_command("load_followup_templates", stdout=StringIO())
    campaign = Campaign.objects.create(
        name="少盐饮食", doctor=profile, article=article, channels=[], quiet_start=None, quiet_end=None
    )
    campaign.groups.add(group)
    return {
        "studio": studio,
        "distributor": distributor,
        "article": article,
        "group": group,
        "campaign": campaign,
        "patients": patients,
    }


def test_distributor_enrols_a_group_sends_a_campaign_and_sees_deliveries_and_reads(
    browser, live_server, studio, sink, screenshots
):
    campaign = studio["campaign"]
    group = studio["group"]
    page = log_in(browser, live_server, studio["distributor"])
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    # 1. Enrol the whole clinic group in the hypertension plan, twice: nobody is enrolled twice.
    plan = FollowUpPlan.objects.get(slug="hypertension")
    open_admin(page, live_server, "/admin/followup_plans/")
    assert "True" not in page.content()  # yes/no as a tick and a word, never "True"
    snap(page, screenshots / "admin-distributor-followup-plans.png")
    page.locator(f'a[href="/admin/distribution/follow-up-plans/{plan.pk}/enrol/"]').click()
    page.wait_for_url(f"**/follow-up-plans/{plan.pk}/enrol/")
    page.select_option("#id_group", str(group.pk))
    snap(page, screenshots / "admin-distributor-enrol-group.png")
    page.get_by_role("button", name=admin_text("Enrol"), exact=True).click()
    page.wait_for_url("**/admin/followup_enrolments/**")
    assert FollowUpEnrolment.objects.filter(plan=plan).count() == PATIENTS
    assert str(PATIENTS) in admin_message(page)
    snap(page, screenshots / "admin-distributor-enrolments.png")
    open_admin(page, live_server, f"/admin/distribution/follow-up-plans/{plan.pk}/enrol/")
    page.select_option("#id_group", str(group.pk))
    page.get_by_role("button", name=admin_text("Enrol"), exact=True).click()
    page.wait_for_url("**/admin/followup_enrolments/**")
    assert FollowUpEnrolment.objects.filter(plan=plan).count() == PATIENTS

    # A patient's upcoming steps.
    patient = studio["patients"][0]
    open_admin(page, live_server, f"/admin/distribution/patients/{patient.pk}/follow-ups/")
    assert page.locator("table tbody tr").count() >= 3
    snap(page, screenshots / "admin-distributor-patient-schedule.png")

    # 2. The campaign's channels are checkboxes of the channels set up: tick the hospital system's webhook.
    open_admin(page, live_server, f"/admin/distribution_campaigns/edit/{campaign.pk}/")
    webhook = page.locator('input[name="channels"][value="webhook"]')
    assert webhook.is_visible() and not webhook.is_checked()
    webhook.check()
    snap(page, screenshots / "admin-distributor-campaign-channels.png")
    page.locator("footer button[type=submit]").first.click()
    page.wait_for_url("**/admin/distribution_campaigns/**")
    campaign.refresh_from_db()
    assert campaign.channels == ["webhook"]

    # 3. Send now: the report shows every message delivered (the receiver confirms each one).
    open_admin(page, live_server, f"/admin/distribution/campaigns/{campaign.pk}/report/")
    page.get_by_role("button", name=admin_text("Send now")).click()
    page.wait_for_url(f"**/campaigns/{campaign.pk}/report/")
    page.reload()
    assert page.locator("[data-campaign-state]").get_attribute("data-campaign-state") == "completed"
    assert page.locator('[data-stat="delivered"]').inner_text() == str(PATIENTS)
    assert page.locator('[data-stat="failed"]').inner_text() == "0"
    assert sorted(hook.json()["extra"]["patient_ref"] for hook in sink.received) == [
        f"HIS-{i:04d}" for i in range(PATIENTS)
    ]
    snap(page, screenshots / "admin-distributor-campaign-sent.png")

    # 4. A patient opens the campaign's link on a phone; the report's reads figure and chart count the view.
    link = ShareLink.objects.get(article=studio["article"], audience_key=campaign.audience_key)
    assert sink.received[0].json()["url"].endswith(link.get_absolute_url())
    phone = browser.new_context(**PHONE).new_page()
    response = phone.goto(live_server.url + link.get_absolute_url(), wait_until="load")
    assert response is not None and response.status == 200
    for _ in range(50):  # the beacon is asynchronous: poll, bounded
        if ReadStat.objects.filter(link=link, views__gte=1).exists():
            break
        phone.wait_for_timeout(100)
    phone.context.close()
    page.reload()
    assert page.locator('[data-stat="read"]').inner_text() == "1"
    chart = page.locator(".kepu-report-chart svg")
    assert chart.count() == 1
    chart.scroll_into_view_if_needed()
    snap(page, screenshots / "admin-distributor-campaign-reads.png")

    # 5. The Channels screen: the secret is never shown back, the health comes from these sends.
    site = Site.objects.get(is_default_site=True)
    open_admin(page, live_server, f"/admin/settings/campaigns/channelsettings/{site.pk}/")
    page.get_by_role("tab", name=admin_text("Webhook to the hospital system")).click()
    assert page.locator('[data-channel="webhook"] [data-health]').get_attribute("data-health") == "ok"
    assert WEBHOOK_SECRET not in page.content()
    snap(page, screenshots / "admin-distributor-channels.png")

    # No article editing for a distributor.
    page.goto(live_server.url + f"/admin/pages/{studio['article'].pk}/edit/")
    assert not page.url.endswith("/edit/")  # Wagtail sends them back to the dashboard
