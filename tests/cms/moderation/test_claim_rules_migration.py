"""Migration 0004 brings a database migrated before the 2026.2 rules up to them, keeping editors' edits.

Run with Django's MigrationExecutor on the test database: back to 0003 (which 0004's reverse
turns into the 2026.1 wording, as such a database has it), an editor's edit on one rule, then
forward again.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cms.moderation.configuration import claim_rule_set
from cms.moderation.models import ClaimRule

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = ("moderation", "0003_claim_examples_and_new_claim_families")
AFTER = ("moderation", "0004_claim_rules_2026_2")
RULES_FILE = Path(__file__).resolve().parents[3] / "cms" / "moderation" / "checks" / "rules" / "claim_rules.json"
CHANGED = ("zh.testimonial.story", "zh.outcome_guarantee", "zh.miracle_claim", "zh.endorsement.authority")
EDITORS_EXCEPTIONS = "(?:不能|无法)[^，。；]{0,4}保证\n保证(?:每天|充足)"


def shipped_exceptions() -> dict[str, str]:
    records = json.loads(RULES_FILE.read_text(encoding="utf-8"))["rules"]
    return {record["id"]: "\n".join(record["exceptions"]) for record in records if record["id"] in CHANGED}


def migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


#: Sentences from the studio's own entries that 2026.1 flagged, and the rule that flagged each.
FALSE_ALARMS = {
    "不要说“想开点就好了”。": "zh.testimonial.story",
    "通过减重和运动可以逆转早期脂肪肝。": "zh.miracle_claim",
    "即使两三天后不疼了也不能停药，要吃完整个疗程。": "zh.outcome_guarantee",
}


def flagged_by(sentence: str) -> set[str]:
    """What the checker, reading the rules from the database as the review does, flags in ``sentence``."""
    return {match.rule.id for match in claim_rule_set().match_sentence(sentence, "zh")}


def exceptions_now() -> dict[str, str]:
    return dict(ClaimRule.objects.filter(rule_id__in=CHANGED).values_list("rule_id", "exceptions"))


def test_an_already_migrated_database_gets_the_four_exceptions_and_keeps_an_editors_rule():
    shipped = shipped_exceptions()
    assert len(shipped) == 4 and exceptions_now() == shipped  # a fresh install has them (0002 seeds the file)
    try:
        migrate(BEFORE)
        old = exceptions_now()
        assert all(old[rule_id] != shipped[rule_id] for rule_id in CHANGED)  # the 2026.1 wording
        assert "即使" not in old["zh.outcome_guarantee"] and old["zh.testimonial.story"] == ""
        assert all(rule_id in flagged_by(sentence) for sentence, rule_id in FALSE_ALARMS.items())
        ClaimRule.objects.filter(rule_id="zh.outcome_guarantee").update(exceptions=EDITORS_EXCEPTIONS)
        untouched = ClaimRule.objects.exclude(rule_id__in=CHANGED).order_by("rule_id")
        others_before = list(untouched.values_list("rule_id", "patterns", "terms", "exceptions"))

        migrate(AFTER)
        now = exceptions_now()
        assert now["zh.outcome_guarantee"] == EDITORS_EXCEPTIONS  # the editor's edit is kept
        for rule_id in ("zh.testimonial.story", "zh.miracle_claim", "zh.endorsement.authority"):
            assert now[rule_id] == shipped[rule_id]
        assert list(untouched.values_list("rule_id", "patterns", "terms", "exceptions")) == others_before
        assert (
            flagged_by("不要说“想开点就好了”。") == set() and flagged_by("通过减重和运动可以逆转早期脂肪肝。") == set()
        )
        assert "zh.outcome_guarantee" in flagged_by(
            "即使两三天后不疼了也不能停药，要吃完整个疗程。"
        )  # the editor's rule
    finally:
        migrate(AFTER)


def test_migrating_twice_changes_nothing_more():
    shipped = shipped_exceptions()
    try:
        migrate(BEFORE)
        migrate(AFTER)
        assert exceptions_now() == shipped
        migrate(BEFORE)
        migrate(AFTER)
        assert exceptions_now() == shipped
    finally:
        migrate(AFTER)
