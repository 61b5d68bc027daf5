"""The doctor's and the editor's admin pages in real Chromium, in Chinese: no English word a person would read.

The browser asks for Chinese, as a Chinese doctor's does. On each page the test reads every text node a person
can see (and the placeholders, tooltips and labels a screen reader speaks), and fails on any Latin word outside
a short allow-list: brand and standard names, units, codes a person types, the English titles of English content,
and program output (``<samp>``, ``<code>``), which is not the studio's wording. Screenshots go to ``screenshots/``.
"""

from __future__ import annotations

import re
from pprint import pformat

import pytest
from django.utils import timezone

from cms.articles.models import Article
from distribution.campaigns.followup_templates import load_followup_templates
from distribution.campaigns.models import Campaign, FollowUpEnrolment, FollowUpPlan
from distribution.patients.models import ContactPoint, Patient, PatientGroup
from tests.browser.admin_pages import log_in, snap
from tests.builders import (
    FORBIDDEN_CLAIM,
    AdminStudio,
    build_admin_studio,
    published_article_with_media_jobs,
    submitted_article,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Latin words a Chinese admin legitimately shows: names of products, standards and formats, units, and the
# codes a person types into a field (language codes, audience keys, time zones).
ALLOWED = {
    "Wagtail",
    "WeChat",
    "openid",
    "ICD",
    "CSV",
    "UTF",
    "GBK",
    "GB",
    "Excel",
    "MB",
    "KB",
    "MP",
    "MP3",
    "MP4",
    "WebVTT",
    "SRT",
    "PNG",
    "SVG",
    "JPEG",
    "MIME",
    "TTS",
    "HTTP",
    "https",
    "HMAC",
    "SHA",
    "IANA",
    "Asia",
    "Shanghai",
    "zh",
    "hans",
    "en",
    "campaign",
    "group",
    "px",
    "mmHg",
    "QR",
    "Flesch",
    "Kincaid",
    "edge",
    "tts",
    "espeak",
    "ffmpeg",
    "Celery",
    "id",
    "webhook",
    "wechat",
    "sms",
    "email",
    "Neural",
    "XiaoxiaoNeural",
    "CN",
    "YYYY",
    "MM",
    "DD",
    "Kepu",
    "Studio",
    "English",
    "CC",
    "BY",
    "mp",
    "wav",
    "ogg",
    "opus",
    "webm",
    "amr",  # sound-file types a phone exports (m4a, mp3, …), named as files are
}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z]+")
RULE_ID = re.compile(r"\b(?:zh|en)(?:\.[a-z_]+)+\b")  # claim-rule ids such as zh.efficacy.cure are codes

VISIBLE_TEXT = """() => {
    const skip = el => el.closest('samp, code, kbd, pre, [lang="en"], [translate="no"]');
    const seen = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const element = node.parentElement;
        const text = node.textContent.replace(/\\s+/g, ' ').trim();
        if (!text || !element || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE'].includes(element.tagName.toUpperCase())) continue;
        if (skip(element) || !element.checkVisibility({checkVisibilityCSS: true})) continue;
        seen.push(text);
    }
    for (const element of document.querySelectorAll('[placeholder], [title], [aria-label], img[alt]')) {
        if (skip(element) || !element.checkVisibility({checkVisibilityCSS: true})) continue;
        for (const name of ['placeholder', 'title', 'aria-label', 'alt']) {
            const value = element.getAttribute(name);
            if (value) seen.push(value.replace(/\\s+/g, ' ').trim());
        }
    }
    return seen;
}"""


def english_words(texts: list[str], allowed: set[str]) -> dict[str, str]:
    """Each disallowed Latin word, with the first text it was seen in."""
    found: dict[str, str] = {}
    for text in texts:
        remainder = RULE_ID.sub(" ", text)
        for phrase in sorted(allowed, key=len, reverse=True):  # whole allowed titles first
            if " " in phrase:
                remainder = remainder.replace(phrase, " ")
        for word in LATIN_WORD.findall(remainder):
            if word not in allowed:
                found.setdefault(word, text)
    return found


def read_page(page, allowed: set[str]) -> dict[str, str]:
    return english_words(page.evaluate(VISIBLE_TEXT), allowed)


def content_titles() -> set[str]:
    """Titles of English content (shown as they are) and each of their words."""
    from wagtail.models import Page

    titles = set(Page.objects.filter(locale__language_code="en").values_list("title", flat=True))
    return titles | {word for title in titles for word in LATIN_WORD.findall(title)}


def distribution_records(studio: AdminStudio, article: Article) -> dict[str, object]:
    """A patient, a rule-based group, the studio's follow-up plans with an enrolment, and a campaign."""
    profile = studio.doctor.doctor_profile
    patient = Patient(doctor=profile, display_name="张阿姨", preferred_language="zh-hans")
    patient.save()
    patient.tags.add("高血压")
    patient.save()
    ContactPoint.objects.create(
        patient=patient, channel="email", address="zhang.test@example.org", consent_at=timezone.now()
    )
    group = PatientGroup.objects.create(doctor=profile, name="高血压患者", kind=PatientGroup.RULE, any_tags="高血压")
    load_followup_templates()
    plan = FollowUpPlan.objects.get(slug="hypertension")
    FollowUpEnrolment.objects.create(plan=plan, patient=patient, starts_on=timezone.localdate())
    campaign = Campaign.objects.create(name="少盐饮食科普推送", doctor=profile, article=article, channels=["email"])
    campaign.groups.add(group)
    return {"patient": patient, "group": group, "plan": plan, "campaign": campaign}


@pytest.fixture
def studio(transactional_db) -> dict[str, object]:
    admin_studio = build_admin_studio()
    in_review = submitted_article(admin_studio, title="每天少吃一点盐", paragraph_html=f"<p>{FORBIDDEN_CLAIM}。</p>")
    published = published_article_with_media_jobs(admin_studio, title="少盐饮食的五个要点")
    return {
        "admin": admin_studio,
        "in_review": in_review,
        "published": published,
        **distribution_records(admin_studio, published),
        "allowed": ALLOWED | content_titles(),
    }


def walk(page, live_server, screenshots, who: str, paths: dict[str, str], allowed: set[str]) -> dict[str, dict]:
    """Open each page, screenshot it, and return the English found on it, page by page."""
    english = {}
    for name, path in paths.items():
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, (name, path, response and response.status)
        assert page.locator("html").get_attribute("lang") == "zh-hans", path
        if name == "article-editor":
            # The Checks side panel open with the health-content checks, the footer's actions open: everything
            # an author or a reviewer reads on the page.
            page.locator("[data-side-panel-toggle=checks]").click()
            page.locator("[data-moderation-check-results]").wait_for()
            page.locator("footer .w-dropdown__toggle").click()
        snap(page, screenshots / f"admin-zh-{who}-{name}.png")
        if found := read_page(page, allowed):
            english[f"{name} ({path})"] = found
    return english


def test_the_doctors_admin_speaks_chinese(browser, live_server, studio, screenshots):
    admin = studio["admin"]
    published, campaign = studio["published"], studio["campaign"]
    doctor = log_in(browser, live_server, admin.doctor)
    english = walk(
        doctor,
        live_server,
        screenshots,
        "doctor",
        {
            "dashboard": "/admin/",
            "explorer": f"/admin/pages/{admin.tree['zh-hans']['articles'].pk}/",
            "start-from-encyclopedia": "/admin/articles/start-from-entry/?q=血压",
            "start-from-entry": f"/admin/articles/start-from-entry/{admin.entry.pk}/",
            "article-editor": f"/admin/pages/{published.pk}/edit/",
            "media-jobs": "/admin/media-jobs/",
            "article-media": f"/admin/media-jobs/article/{published.pk}/",
            "narration": f"/admin/narration/{published.pk}/",
            "share-links": f"/admin/shared-links/article/{published.pk}/",
            "patients": "/admin/patients/",
            "patient-new": "/admin/patients/new/",
            "patient-import": "/admin/patients/import-csv/",
            "groups": "/admin/patient_groups/",
            "group-edit": f"/admin/patient_groups/edit/{studio['group'].pk}/",
            "followup-plans": "/admin/followup_plans/",
            "followup-plan": f"/admin/followup_plans/edit/{studio['plan'].pk}/",
            "enrolments": "/admin/followup_enrolments/",
            "campaigns": "/admin/distribution_campaigns/",
            "campaign-new": "/admin/distribution_campaigns/new/",
            "campaign-report": f"/admin/distribution/campaigns/{campaign.pk}/report/",
        },
        studio["allowed"],
    )
    assert not english, "English in the Chinese admin:\n" + pformat(english, width=150)


def test_the_editors_admin_speaks_chinese_and_names_the_review_in_chinese(browser, live_server, studio, screenshots):
    admin, in_review = studio["admin"], studio["in_review"]
    task_state = in_review.current_workflow_task_state
    editor = log_in(browser, live_server, admin.editor)
    english = walk(
        editor,
        live_server,
        screenshots,
        "editor",
        {
            "dashboard": "/admin/",
            "review-queue": "/admin/moderation/queue/",
            "article-editor": f"/admin/pages/{in_review.pk}/edit/",
            "approve-with-reason": f"/admin/moderation/approve/{task_state.pk}/",
            "workflow-history": f"/admin/pages/{in_review.pk}/workflow_history/",
            "try-claim-rules": "/admin/moderation/rules/try/",
            "claim-rules": "/admin/snippets/moderation/claimrule/",
            "media-jobs": "/admin/media-jobs/",
            "patients": "/admin/patients/",
            "campaigns": "/admin/distribution_campaigns/",
        },
        studio["allowed"],
    )
    assert not english, "English in the Chinese admin:\n" + pformat(english, width=150)

    # The review workflow and its task carry Chinese names where Wagtail shows them.
    editor.goto(live_server.url + f"/admin/pages/{in_review.pk}/workflow_history/")
    assert "医学审核" in editor.locator("main").inner_text()


def test_a_doctor_submits_to_the_review_by_its_chinese_name(browser, live_server, studio, screenshots):
    admin = studio["admin"]
    doctor = log_in(browser, live_server, admin.doctor)
    draft = Article.objects.get(pk=studio["published"].pk)
    doctor.goto(live_server.url + f"/admin/pages/{draft.pk}/edit/")
    doctor.locator("footer .w-dropdown__toggle").click()
    labels = [label.strip() for label in doctor.locator("footer .w-dropdown-button button").all_inner_texts()]
    assert "提交给医学审核" in labels, labels
    snap(doctor, screenshots / "admin-zh-doctor-submit-menu.png")
    # The dashboard says which task the doctor's submitted article waits for.
    doctor.goto(live_server.url + "/admin/")
    assert "等待 编辑审核" in doctor.locator("main").inner_text()
