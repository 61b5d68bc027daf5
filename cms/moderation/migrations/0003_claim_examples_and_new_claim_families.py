"""Claim rules 2026.1: eight new claim families, a table for editors' decisions as training examples.

Seeds the rules that are new in ``rules/claim_rules.json`` and updates the shipped rules whose
patterns changed (fewer false alarms on ordinary 唯一/第一/首选/根治) only where the database row
still holds the 2025.1 wording: a rule an editor has changed is left alone.
"""

import hashlib
import json
from pathlib import Path


import django.db.models.deletion
from django.db import migrations, models

RULES_FILE = Path(__file__).resolve().parent.parent / "checks" / "rules" / "claim_rules.json"
TEXT_LIST_FIELDS = ("patterns", "terms", "exceptions")
TEXT_FIELDS = ("legal_basis", "legal_basis_en", "explanation_zh", "explanation_en", "suggestion_zh", "suggestion_en")
# Hash of (patterns, terms, exceptions) as 2025.1 shipped them, per rule changed in 2026.1.
SHIPPED_2025_1 = {
    "zh.absolute.first_rank": "6f0f30a650dc3d60",
    "zh.absolute.only_national": "d19d64b4bdb876ce",
    "zh.absolute.first_choice": "10c4007b8040d0db",
    "zh.efficacy.guarantee": "5fb45d93461ae633",
    "zh.cure_rate": "9d34d1d906c8222c",
    "zh.disguised_ad.purchase": "a2b2401c56db1d95",
    "en.absolute.only": "7c6e4c12bba4a3da",
    "en.safety.guarantee": "82835256df4842b8",
}


def _wording_hash(lists):
    canonical = json.dumps(list(lists), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def seed_2026_1(apps, schema_editor):
    ClaimRule = apps.get_model("moderation", "ClaimRule")
    records = {record["id"]: record for record in json.loads(RULES_FILE.read_text(encoding="utf-8"))["rules"]}
    existing = {rule.rule_id: rule for rule in ClaimRule.objects.all()}
    for rule_id, record in records.items():
        values = {name: "\n".join(record.get(name) or ()) for name in TEXT_LIST_FIELDS}
        if rule_id not in existing:
            ClaimRule.objects.create(
                rule_id=rule_id,
                category=record["category"],
                language=record["language"],
                severity=record["severity"],
                enabled=record.get("enabled", True),
                negatable=record.get("negatable", True),
                **values,
                **{name: record.get(name) or "" for name in TEXT_FIELDS},
            )
        elif rule_id in SHIPPED_2025_1:
            row = existing[rule_id]
            if _wording_hash(getattr(row, name) for name in TEXT_LIST_FIELDS) == SHIPPED_2025_1[rule_id]:
                for name, value in values.items():
                    setattr(row, name, value)
                row.save(update_fields=list(values))


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0002_seed_claim_rules"),
    ]

    operations = [
        migrations.AlterField(
            model_name="claimrule",
            name="category",
            field=models.CharField(
                choices=[
                    ("absolute_terms", "absolute terms"),
                    ("efficacy_guarantee", "efficacy guarantee"),
                    ("cure_rate", "cure rate"),
                    ("comparison", "comparison"),
                    ("endorsement", "endorsement"),
                    ("non_medical_disease_claim", "non medical disease claim"),
                    ("disguised_advertising", "disguised advertising"),
                    ("reported_safety_result", "reported safety result"),
                    ("testimonial", "patient testimonial"),
                    ("crowd_proof", "crowd proof"),
                    ("before_after", "before and after"),
                    ("refund_guarantee", "refund guarantee"),
                    ("natural_safety", "natural and safe claim"),
                    ("miracle_claim", "miracle claim"),
                    ("fear_selling", "fear selling"),
                    ("urgency_selling", "urgency selling"),
                ],
                max_length=40,
                verbose_name="category",
            ),
        ),
        migrations.CreateModel(
            name="ClaimExample",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("text", models.TextField(verbose_name="sentence")),
                (
                    "language",
                    models.CharField(
                        choices=[("zh", "Chinese"), ("en", "English")], max_length=2, verbose_name="language"
                    ),
                ),
                (
                    "label",
                    models.CharField(
                        choices=[("violation", "violation"), ("legitimate", "legitimate")],
                        max_length=10,
                        verbose_name="label",
                    ),
                ),
                ("category", models.CharField(blank=True, max_length=40, verbose_name="category flagged")),
                ("rule_id", models.CharField(blank=True, max_length=100, verbose_name="rule or model that flagged it")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "override",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="claim_examples",
                        to="moderation.approvaloverride",
                        verbose_name="approval override",
                    ),
                ),
            ],
            options={
                "verbose_name": "claim training example",
                "verbose_name_plural": "claim training examples",
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("override", "text"), name="moderation_one_example_per_override_sentence"
                    )
                ],
            },
        ),
        migrations.RunPython(seed_2026_1, migrations.RunPython.noop),
    ]
