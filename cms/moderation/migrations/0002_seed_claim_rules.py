"""Seed the claim-rule table from the rules shipped with the checks (rules/claim_rules.json).

Reads the JSON file directly, not through the checks package, so this
migration keeps working whatever later versions of that code look like.
Existing rows (same rule id) are left alone: an editor's changes win.
"""

import json
from pathlib import Path

from django.db import migrations

RULES_FILE = Path(__file__).resolve().parent.parent / "checks" / "rules" / "claim_rules.json"
TEXT_LIST_FIELDS = ("patterns", "terms", "exceptions")
TEXT_FIELDS = ("legal_basis", "legal_basis_en", "explanation_zh", "explanation_en", "suggestion_zh", "suggestion_en")


def seed_rules(apps, schema_editor):
    ClaimRule = apps.get_model("moderation", "ClaimRule")
    records = json.loads(RULES_FILE.read_text(encoding="utf-8"))["rules"]
    existing = set(ClaimRule.objects.values_list("rule_id", flat=True))
    ClaimRule.objects.bulk_create(
        [
            ClaimRule(
                rule_id=record["id"],
                category=record["category"],
                language=record["language"],
                severity=record["severity"],
                enabled=record.get("enabled", True),
                negatable=record.get("negatable", True),
                **{name: "\n".join(record.get(name) or ()) for name in TEXT_LIST_FIELDS},
                **{name: record.get(name) or "" for name in TEXT_FIELDS},
            )
            for record in records
            if record["id"] not in existing
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]

    operations = [migrations.RunPython(seed_rules, migrations.RunPython.noop)]
