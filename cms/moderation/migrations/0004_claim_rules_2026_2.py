"""Claim rules 2026.2: narrow exceptions for four false alarms on the studio's own entries.

A fresh install seeds these from ``rules/claim_rules.json`` (0002). A database migrated before
them still has the 2026.1 wording: this updates the four rules only where the row still holds
exactly the 2026.1 patterns, terms and exceptions, like 0003 did; a rule an editor has changed
is left alone. The wording is written out here (not read from the JSON file) so the migration
does the same thing whatever later versions of that file say.
"""

import hashlib
import json

from django.db import migrations

TEXT_LIST_FIELDS = ("patterns", "terms", "exceptions")

#: Per rule: hash of (patterns, terms, exceptions) as shipped in 2026.1 and 2026.2, and the two
#: exception lists (only the exceptions changed).
CHANGED_IN_2026_2 = {
    "zh.testimonial.story": {
        "2026.1": "eccb27f99b910068",
        "2026.2": "11c9efcc7c2e9f78",
        "exceptions_2026_1": [],
        "exceptions_2026_2": [
            '(?:不要|别|不能|不宜|避免|少)(?:再|对[^，。；]{0,4})?(?:说|讲)[：:]?\\s*[“"][^”"]{0,60}[”"]'
        ],
    },
    "zh.outcome_guarantee": {
        "2026.1": "428c3add2a4c7447",
        "2026.2": "f191bf6f6e9433ff",
        "exceptions_2026_1": [
            "(?:不能|无法|不可能|没有人能|谁也不能)[^，。；]{0,4}保证",
            "保证(?:每天|充足|睡眠|营养|摄入|饮水|休息|按时|规律|检查结果|准确)",
        ],
        "exceptions_2026_2": [
            "(?:不能|无法|不可能|没有人能|谁也不能)[^，。；]{0,4}保证",
            "保证(?:每天|充足|睡眠|营养|摄入|饮水|休息|按时|规律|检查结果|准确)",
            "(?:即使|就算|哪怕)[^，。；]{0,12}(?:不疼|不痛|不痒|好了|见效)",
        ],
    },
    "zh.miracle_claim": {
        "2026.1": "b217f89f4b76a0fc",
        "2026.2": "91631bcab2ae2566",
        "exceptions_2026_1": [
            "(?:不能|无法|不可)逆转",
            "不可逆",
            "(?:延缓|部分|甚至|尽快|可以)[^，。；]{0,6}逆转[^，。；]{0,8}(?:变化|损害|损伤|改变)",
        ],
        "exceptions_2026_2": [
            "(?:不能|无法|不可)逆转",
            "不可逆",
            "(?:延缓|部分|甚至|尽快|可以)[^，。；]{0,6}逆转[^，。；]{0,8}(?:变化|损害|损伤|改变)",
            "通过[^，。；]{0,12}(?:减重|减肥|运动|饮食|戒酒|戒烟)[^，。；]{0,8}逆转",
        ],
    },
    "zh.endorsement.authority": {
        "2026.1": "3150477dc7a5cd1b",
        "2026.2": "3a05828bfdb83168",
        "exceptions_2026_1": [
            "(?:指南|共识|专家共识)[^。；]{0,12}(?:推荐|建议|指出)",
            "(?:专家|医生)(?:共识|建议)",
            "医生(?:会|将|根据|建议|提醒|可能)",
            "(?:专家|医生|药师|医师)[^，。；]{0,4}(?:推荐|建议)(?:您|你|大家|成年人|患者|每天|每周|按|在)",
            "由[^，。；]{0,10}医生(?:撰写|审核|编写)",
        ],
        "exceptions_2026_2": [
            "(?:指南|共识|专家共识)[^。；]{0,12}(?:推荐|建议|指出)",
            "(?:专家|医生)(?:共识|建议)",
            "医生(?:会|将|根据|建议|提醒|可能)[^，。；]{0,6}(?:推荐|建议)?",
            "(?:专家|医生|药师|医师)[^，。；]{0,4}(?:推荐|建议)(?:您|你|大家|成年人|患者|每天|每周|按|在)",
            "由[^，。；]{0,10}医生(?:撰写|审核|编写)",
        ],
    },
}


def _wording_hash(row) -> str:
    canonical = json.dumps([getattr(row, name) for name in TEXT_LIST_FIELDS], ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _move(apps, source: str, target: str) -> None:
    ClaimRule = apps.get_model("moderation", "ClaimRule")
    for row in ClaimRule.objects.filter(rule_id__in=CHANGED_IN_2026_2):
        shipped = CHANGED_IN_2026_2[row.rule_id]
        if _wording_hash(row) == shipped[source]:
            row.exceptions = "\n".join(shipped[f"exceptions_{target.replace('.', '_')}"])
            row.save(update_fields=["exceptions"])


def to_2026_2(apps, schema_editor):
    _move(apps, "2026.1", "2026.2")


def back_to_2026_1(apps, schema_editor):
    _move(apps, "2026.2", "2026.1")


class Migration(migrations.Migration):
    dependencies = [("moderation", "0003_claim_examples_and_new_claim_families")]

    operations = [migrations.RunPython(to_2026_2, back_to_2026_1)]
