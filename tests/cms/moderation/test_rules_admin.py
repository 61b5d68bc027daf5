"""Claim rules as Editors maintain them: seeded from the shipped defaults, edited as snippets, tried in a text box."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cms.moderation.checks import default_claim_rules
from cms.moderation.configuration import claim_rule_set
from cms.moderation.models import ClaimRule
from cms.moderation.wagtail_hooks import claim_rule_viewset

CLAIM = "本药可根治高血压"


def rule_form(rule: ClaimRule, **changes) -> dict:
    data = {
        "rule_id": rule.rule_id,
        "language": rule.language,
        "category": rule.category,
        "severity": rule.severity,
        "patterns": rule.patterns,
        "terms": rule.terms,
        "exceptions": rule.exceptions,
        "legal_basis": rule.legal_basis,
        "legal_basis_en": rule.legal_basis_en,
        "explanation_zh": rule.explanation_zh,
        "explanation_en": rule.explanation_en,
        "suggestion_zh": rule.suggestion_zh,
        "suggestion_en": rule.suggestion_en,
    }
    if rule.enabled:
        data["enabled"] = "on"
    if rule.negatable:
        data["negatable"] = "on"
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def tried(client, text: str, language: str = "zh") -> list[str]:
    response = client.post(reverse("moderation_try_rules"), {"text": text, "language": language})
    assert response.status_code == 200
    return [row["rule_id"] for row in response.context["rows"]]


@pytest.mark.django_db
def test_the_rule_table_is_seeded_with_the_shipped_rules():
    from_db = sorted(claim_rule_set().to_records(), key=lambda record: record["id"])
    shipped = sorted(default_claim_rules().to_records(), key=lambda record: record["id"])
    assert from_db == shipped


def test_editor_disables_a_rule_and_the_checks_follow(client, studio, people):
    client.force_login(people["editor"])
    listing = client.get(reverse(claim_rule_viewset.get_url_name("list")), {"q": "zh.efficacy"})
    assert listing.status_code == 200 and "zh.efficacy.guarantee" in listing.content.decode()
    assert "zh.efficacy.guarantee" in tried(client, CLAIM)

    rule = ClaimRule.objects.get(rule_id="zh.efficacy.guarantee")
    response = client.post(
        reverse(claim_rule_viewset.get_url_name("edit"), args=[rule.pk]), rule_form(rule, enabled=False)
    )
    assert response.status_code == 302
    assert not ClaimRule.objects.get(pk=rule.pk).enabled
    assert "zh.efficacy.guarantee" not in tried(client, CLAIM)


def test_editor_adds_a_rule(client, studio, people):
    client.force_login(people["editor"])
    template = ClaimRule.objects.get(rule_id="zh.efficacy.guarantee")
    data = rule_form(
        template,
        rule_id="zh.efficacy.miracle_herb",
        patterns="",
        terms="神奇草药\n祖传秘方",
        exceptions="",
        severity="warning",
    )
    response = client.post(reverse(claim_rule_viewset.get_url_name("add")), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert "zh.efficacy.miracle_herb" in tried(client, "这是祖传秘方，包您满意。")


def test_a_broken_regex_is_refused_with_a_message(client, studio, people):
    client.force_login(people["editor"])
    rule = ClaimRule.objects.get(rule_id="zh.efficacy.guarantee")
    before = rule.patterns
    response = client.post(
        reverse(claim_rule_viewset.get_url_name("edit"), args=[rule.pk]), rule_form(rule, patterns="根治(?:高血压")
    )
    assert response.status_code == 200
    assert "invalid regex" in response.content.decode()
    assert ClaimRule.objects.get(pk=rule.pk).patterns == before


def test_a_rule_without_patterns_or_terms_is_refused(client, studio, people):
    client.force_login(people["editor"])
    rule = ClaimRule.objects.get(rule_id="en.cure_rate")
    response = client.post(
        reverse(claim_rule_viewset.get_url_name("edit"), args=[rule.pk]), rule_form(rule, patterns="", terms="")
    )
    assert response.status_code == 200
    assert ClaimRule.objects.get(pk=rule.pk).patterns == rule.patterns


def test_try_box_in_english_and_without_matches(client, studio, people):
    client.force_login(people["editor"])
    assert "en.efficacy.guarantee" in tried(client, "This pill is a guaranteed cure for diabetes.", "en")
    response = client.post(reverse("moderation_try_rules"), {"text": "Drink water every day.", "language": "en"})
    assert "data-no-claims" in response.content.decode()


def test_doctors_cannot_edit_or_try_rules(client, studio, people):
    client.force_login(people["doctor_a"])
    assert client.get(reverse(claim_rule_viewset.get_url_name("list"))).status_code == 302
    rule = ClaimRule.objects.get(rule_id="zh.efficacy.guarantee")
    client.post(reverse(claim_rule_viewset.get_url_name("edit"), args=[rule.pk]), rule_form(rule, enabled=False))
    assert ClaimRule.objects.get(pk=rule.pk).enabled
    assert client.get(reverse("moderation_try_rules")).status_code == 302
