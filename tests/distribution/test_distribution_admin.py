"""Every distribution admin listing, add and edit view loads for every role (no 5xx), and each role reaches
exactly what it should: doctors their own rows, editors and Distributors everyone's, Distributors the
Channels screen and no article editing, outsiders nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from wagtail.models import Site

from cms.articles.models import Article
from distribution.campaigns.models import Campaign, Delivery, FollowUpEnrolment, FollowUpPlan
from distribution.patients.models import DISTRIBUTORS
from tests.builders import add_patient, publish_article, static_group

pytestmark = pytest.mark.django_db

VIEWSETS = [
    "patients",
    "patient_groups",
    "distribution_campaigns",
    "followup_plans",
    "followup_enrolments",
    "deliveries",
]


@pytest.fixture
def distribution_people(people):
    User = get_user_model()
    distributor = User.objects.create_user("dist1", password="pw", email="d@example.org")
    distributor.groups.add(Group.objects.get(name=DISTRIBUTORS))
    admin = User.objects.create_superuser("root", password="pw", email="root@example.org")
    return {**people, "distributor": distributor, "superuser": admin}


@pytest.fixture
def rows(studio, distribution_people, doctor):
    article = publish_article(studio, distribution_people["doctor_a"], "在家测血压")
    patient = add_patient(
        doctor, "王女士", channels={"webhook": "HIS-0001", "email": "wang@example.cn"}, tags=["高血压"]
    )
    group = static_group(doctor, "高血压", [patient])
    campaign = Campaign.objects.create(name="测血压", doctor=doctor, article=article, channels=["webhook"])
    campaign.groups.add(group)
    call_command("load_followup_templates", stdout=StringIO())
    plan = FollowUpPlan.objects.get(slug="hypertension")
    enrolment = FollowUpEnrolment.objects.create(plan=plan, patient=patient, starts_on=timezone.localdate())
    delivery = Delivery.objects.create(
        step_key=campaign.step_key,
        campaign=campaign,
        patient=patient,
        contact=patient.contacts.get(channel="webhook"),
        channel="webhook",
        article=article,
    )
    return {
        "article": article,
        "patient": patient,
        "group": group,
        "campaign": campaign,
        "plan": plan,
        "enrolment": enrolment,
        "delivery": delivery,
    }


def admin_urls(rows) -> list[str]:
    objects = {
        "patients": rows["patient"],
        "patient_groups": rows["group"],
        "distribution_campaigns": rows["campaign"],
        "followup_plans": rows["plan"],
        "followup_enrolments": rows["enrolment"],
        "deliveries": rows["delivery"],
    }
    urls = []
    for name in VIEWSETS:
        urls.append(reverse(f"{name}:index"))
        for view, args in (("add", []), ("edit", [objects[name].pk])):
            try:
                urls.append(reverse(f"{name}:{view}", args=args))
            except NoReverseMatch:
                assert name == "deliveries", f"{name} has no {view} view"
    site = Site.objects.get(is_default_site=True)
    urls += [
        reverse("campaign_report", args=[rows["campaign"].pk]),
        reverse("followup_plan_enrol", args=[rows["plan"].pk]),
        reverse("patient_followups", args=[rows["patient"].pk]),
        reverse("patients_import_csv"),
        reverse("wagtailsettings:edit", args=["campaigns", "channelsettings", site.pk]),
        reverse("sharing_article_links", args=[rows["article"].pk]),
        reverse("wagtailadmin_home"),
    ]
    return urls


ROLES = ["superuser", "editor", "distributor", "doctor_a", "doctor_b", "outsider"]


@pytest.mark.parametrize("role", ROLES)
def test_every_distribution_admin_view_loads_for_every_role(client, distribution_people, rows, role):
    client.force_login(distribution_people[role])
    failures = []
    for url in admin_urls(rows):
        response = client.get(url)
        if response.status_code >= 500:
            failures.append(f"{url}: {response.status_code}")
    assert not failures, failures


def status(client, url) -> int:
    return client.get(url).status_code


def test_access_matrix(client, distribution_people, rows):
    site = Site.objects.get(is_default_site=True)
    channels = reverse("wagtailsettings:edit", args=["campaigns", "channelsettings", site.pk])
    report = reverse("campaign_report", args=[rows["campaign"].pk])
    patient_edit = reverse("patients:edit", args=[rows["patient"].pk])
    links = reverse("sharing_article_links", args=[rows["article"].pk])
    article_edit = reverse("wagtailadmin_pages:edit", args=[rows["article"].pk])
    ledger = reverse("deliveries:index")
    expected = {
        #               channels report patient links article-edit ledger
        "superuser": (200, 200, 200, 200, 200, 200),
        "distributor": (200, 200, 200, 200, 302, 200),
        "editor": (302, 200, 200, 200, 200, 200),
        "doctor_a": (302, 200, 200, 200, 200, 200),  # the campaign and patient are dr.a's, so is the article
        "doctor_b": (302, 404, 404, 302, 302, 200),  # Wagtail turns "permission denied" into a redirect
    }
    for role, codes in expected.items():
        client.force_login(distribution_people[role])
        got = tuple(status(client, url) for url in (channels, report, patient_edit, links, article_edit, ledger))
        assert got == codes, (role, got)
    client.force_login(distribution_people["outsider"])
    for url in (channels, report, patient_edit, links, ledger):
        assert status(client, url) in (302, 403), url


def test_doctor_b_sees_none_of_doctor_a_rows_in_the_ledger(client, distribution_people, rows):
    client.force_login(distribution_people["doctor_b"])
    assert rows["campaign"].step_key not in client.get(reverse("deliveries:index")).content.decode()
    client.force_login(distribution_people["distributor"])
    assert rows["campaign"].step_key in client.get(reverse("deliveries:index")).content.decode()


def test_distributor_may_not_edit_or_approve_articles(client, distribution_people, rows):
    client.force_login(distribution_people["distributor"])
    article = rows["article"]
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[article.pk]),
        {"title": "改掉", "slug": article.slug, "action-publish": "publish"},
    )
    assert response.status_code in (302, 403)
    assert Article.objects.get(pk=article.pk).title == "在家测血压"
    assert client.get(reverse("wagtailadmin_pages:add_subpage", args=[article.get_parent().pk])).status_code in (
        302,
        403,
    )


def test_ledger_is_read_only_and_lists_masked_addresses(client, distribution_people, rows):
    client.force_login(distribution_people["superuser"])
    page = client.get(reverse("deliveries:index")).content.decode()
    assert "HIS-0001" not in page  # masked
    assert reverse("deliveries:index") + "new/" not in page
    assert client.get(reverse("deliveries:index") + "new/").status_code == 404


def test_setup_studio_creates_the_distributors_group_once(studio):
    call_command("setup_studio", stdout=StringIO())
    call_command("setup_studio", stdout=StringIO())
    group = Group.objects.get(name=DISTRIBUTORS)
    assert set(group.permissions.values_list("codename", flat=True)) == {"access_admin", "change_channelsettings"}
    assert not group.page_permissions.exists()


def test_lists_show_yes_no_words_not_true(client, distribution_people, rows):
    client.force_login(distribution_people["editor"])
    for url in (reverse("followup_enrolments:index"), reverse("followup_plans:index")):
        page = client.get(url).content.decode()
        assert "True" not in page and "False" not in page, url
    enrolments = client.get(reverse("followup_enrolments:index")).content.decode()
    assert "w-status--primary" in enrolments  # an active enrolment's status tag
    plans = client.get(reverse("followup_plans:index")).content.decode()
    assert "icon-check" in plans  # studio templates: a tick, not "True"


def test_patient_list_has_a_tags_column(client, distribution_people, rows):
    client.force_login(distribution_people["doctor_a"])
    page = client.get(reverse("patients:index")).content.decode()
    assert "高血压" in page


def test_report_warns_about_channels_not_set_up(client, settings, distribution_people, rows, webhook_sink):
    client.force_login(distribution_people["distributor"])
    url = reverse("campaign_report", args=[rows["campaign"].pk])
    assert "data-channels-not-set-up" in client.get(url).content.decode()
    settings.KEPU_DISTRIBUTION = {
        "channels": {"webhook": {"secret": "s" * 20, "endpoint": webhook_sink.url(), "allow_plain_http": True}}
    }
    assert "data-channels-not-set-up" not in client.get(url).content.decode()


def test_a_start_that_crashes_is_recorded_on_the_campaign_and_shown(client, distribution_people, rows, monkeypatch):
    """Not only validation errors: whatever stops the fan-out is written on the campaign, never silent."""
    from distribution.campaigns import fanout
    from distribution.campaigns.tasks import send_campaign

    def broken_insert(*args, **kwargs):
        raise RuntimeError("disk I/O error")

    monkeypatch.setattr(fanout, "_insert_rows_from", broken_insert)  # the database failing mid-statement
    with pytest.raises(RuntimeError):
        send_campaign.delay(rows["campaign"].pk)
    campaign = Campaign.objects.get(pk=rows["campaign"].pk)
    assert campaign.state == Campaign.FAILED and campaign.state_reason == "RuntimeError: disk I/O error"
    client.force_login(distribution_people["distributor"])
    page = client.get(reverse("campaign_report", args=[campaign.pk])).content.decode()
    assert "data-campaign-failure" in page and "disk I/O error" in page
    listing = client.get(reverse("distribution_campaigns:index")).content.decode()
    assert "disk I/O error" in listing
    # Fixed: "Send now" starts it again from the failed state.
    assert 'action="{}"'.format(reverse("campaign_start", args=[campaign.pk])) in page


def test_a_fanout_that_crashes_says_so_on_the_report(
    client, settings, distribution_people, rows, webhook_sink, monkeypatch
):
    from distribution.campaigns import delivery_ledger
    from distribution.campaigns.tasks import deliver_campaign

    settings.KEPU_DISTRIBUTION = {
        "channels": {"webhook": {"secret": "s" * 20, "endpoint": webhook_sink.url(), "allow_plain_http": True}}
    }
    from distribution.campaigns.fanout import start_campaign

    campaign = rows["campaign"]
    rows["delivery"].delete()
    Campaign.objects.filter(pk=campaign.pk).update(quiet_start=None, quiet_end=None)  # due now, whatever the hour
    campaign.refresh_from_db()
    assert start_campaign(campaign) == 1

    def broken_batch(*args, **kwargs):
        raise RuntimeError("worker lost its database connection")

    monkeypatch.setattr(delivery_ledger, "send_batch", broken_batch)
    with pytest.raises(RuntimeError):
        deliver_campaign.delay(campaign.pk)
    campaign.refresh_from_db()
    assert campaign.state == Campaign.SENDING and "worker lost its database connection" in campaign.state_reason
    client.force_login(distribution_people["distributor"])
    assert (
        "worker lost its database connection"
        in client.get(reverse("campaign_report", args=[campaign.pk])).content.decode()
    )
