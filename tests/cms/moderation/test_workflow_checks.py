"""Checks on every save, shown to the author in the editor panel; encyclopedia entries; configurable targets."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from wagtail.rich_text import RichText
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from cms.articles.models import Article
from cms.encyclopedia.models import EncyclopediaEntry
from cms.moderation.configuration import check_config, reading_level_targets
from cms.moderation.models import RevisionCheckReport
from cms.moderation.reports import check_revision
from tests.admin_language import admin_text

LONG_ENGLISH = (
    "Hypertension management necessitates comprehensive pharmacological intervention alongside considerable "
    "lifestyle modification, particularly regarding sodium consumption, cardiovascular conditioning, "
    "psychological stress reduction, medication adherence monitoring, and systematic ambulatory blood pressure "
    "measurement documentation, according to contemporary international professional consensus recommendations. "
    "Individualized therapeutic strategies incorporate comorbidity evaluation, pharmacokinetic considerations, "
    "socioeconomic circumstances, and longitudinal cardiovascular risk stratification methodologies."
)


@pytest.fixture(autouse=True)
def no_media_renders(settings):
    settings.KEPU_MEDIA_RENDER_ON_PUBLISH = False


def test_saving_in_the_editor_checks_the_draft_and_the_panel_shows_findings(
    client, studio, people, django_capture_on_commit_callbacks
):
    index = studio["zh-hans"]["articles"]
    client.force_login(people["doctor_a"])
    add_url = reverse("wagtailadmin_pages:add", args=["articles", "article", index.pk])
    assert admin_text("The health-content checks run when you save a draft.") in client.get(add_url).content.decode()
    form = nested_form_data(
        {
            "title": "降压",
            "slug": "jiangya",
            "summary": "s",
            "body": streamfield([("paragraph", rich_text("<p>本药可根治高血压，无效退款。</p>"))]),
            "tags": "",
            "audience": "patients",
            "last_reviewed": "",
            "narration_voice": "",
            "seo_title": "",
            "search_description": "",
            "go_live_at": "",
            "expire_at": "",
            "comments-TOTAL_FORMS": 0,
            "comments-INITIAL_FORMS": 0,
            "comments-MIN_NUM_FORMS": 0,
            "comments-MAX_NUM_FORMS": 1000,
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(add_url, form).status_code == 302  # a plain save, no submission
    article = Article.objects.get(slug="jiangya")
    assert article.current_workflow_state is None
    stored = RevisionCheckReport.objects.get(revision_id=article.latest_revision_id)
    assert stored.verdict == "errors"

    html = client.get(reverse("wagtailadmin_pages:edit", args=[article.pk])).content.decode()
    assert 'data-verdict="errors"' in html
    assert 'data-severity="error"' in html
    assert "zh.efficacy.guarantee" in html
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):  # the admin's language: the place is named in it
        paragraph_one = translation.gettext("Paragraph %(number)s") % {"number": 1}
    assert paragraph_one in html and "block 0 (paragraph" not in html  # the place of the finding, in words
    assert "根治" in html  # the excerpt


def test_reading_level_is_shown_against_the_configured_target(client, studio, people, settings):
    settings.KEPU_READING_LEVEL_TARGETS = {"en": {"max_grade": 6}}
    article = Article(
        title="Blood pressure",
        slug="bp",
        owner=people["doctor_b"],
        live=False,
        summary="s",
        body=[("paragraph", RichText(f"<p>{LONG_ENGLISH}</p>"))],
    )
    studio["en"]["articles"].add_child(instance=article)
    stored = check_revision(article.save_revision(user=people["doctor_b"]))
    metrics = stored.report["metrics"]["reading_level"]
    assert metrics["assessed"] and metrics["targets"] == {"flesch_kincaid_grade": 6.0}
    assert metrics["flesch_kincaid_grade"] > 6
    assert any(finding["rule_id"] == "reading_level.en.grade" for finding in stored.report["findings"])

    client.force_login(people["doctor_b"])
    html = client.get(reverse("wagtailadmin_pages:edit", args=[article.pk])).content.decode()
    assert 'data-within-target="no"' in html and "≤ 6" in html

    # A new target gives a new report for the same revision; the old one stays as it was.
    settings.KEPU_READING_LEVEL_TARGETS = {"en": {"max_grade": 100}}
    relaxed = check_revision(article.get_latest_revision())
    assert relaxed.pk != stored.pk
    assert not any(finding["rule_id"] == "reading_level.en.grade" for finding in relaxed.report["findings"])
    assert check_revision(article.get_latest_revision()).pk == relaxed.pk  # idempotent


def test_unknown_reading_level_target_is_a_configuration_error(settings, db):
    settings.KEPU_READING_LEVEL_TARGETS = {"en": {"max_grade_level": 6}}
    with pytest.raises(ImproperlyConfigured, match="en.max_grade_level"):
        reading_level_targets()
    settings.KEPU_READING_LEVEL_TARGETS = {}
    settings.KEPU_MODERATION_CHECKS = {"max_sentence_chars": 10}
    with pytest.raises(ImproperlyConfigured, match="max_sentence_chars"):
        check_config()


def test_encyclopedia_entries_are_checked_too(client, studio, people):
    entry = EncyclopediaEntry(
        title="高血压",
        slug="gaoxueya",
        summary="常见慢性病。",
        sections=[
            ("overview", {"heading": "", "body": RichText("<p>高血压是常见病。</p>")}),
            ("treatment", {"heading": "", "body": RichText("<p>本药可根治高血压，无效退款。</p>")}),
        ],
    )
    studio["zh-hans"]["encyclopedia"].add_child(instance=entry)
    revision = entry.save_revision(user=people["editor"])
    stored = check_revision(revision)
    assert stored.verdict == "errors"
    located = [finding["position"] for finding in stored.report["findings"] if finding["severity"] == "error"]
    assert located and all(
        position["block_kind"] == "paragraph" and position["block_index"] == 3 for position in located
    )
    client.force_login(people["editor"])
    html = client.get(reverse("wagtailadmin_pages:edit", args=[entry.pk])).content.decode()
    assert 'data-verdict="errors"' in html
