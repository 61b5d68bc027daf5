"""The check settings of this installation: claim rules from the database, targets from Django settings.

Settings (all optional):

``KEPU_READING_LEVEL_TARGETS``
    Reading-level targets per language, merged over :data:`DEFAULT_READING_LEVEL_TARGETS`::

        {"zh": {"max_sentence_chars": 35, "max_uncommon_char_share": 0.05},
         "en": {"max_grade": 8}}

``KEPU_MODERATION_CHECKS``
    Any other :class:`CheckConfig` field (``severity_overrides``,
    ``allowed_link_domains``, ...), read with :meth:`CheckConfig.from_dict`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .checks import CheckConfig, ClaimRuleError, ClaimRuleSet
from .models.records import ClaimRule

DEFAULT_READING_LEVEL_TARGETS: dict[str, dict[str, float]] = {
    "zh": {"max_sentence_chars": 35.0, "max_uncommon_char_share": 0.05},
    "en": {"max_grade": 8.0},
}
# Target name in the setting -> CheckConfig field.
_TARGET_FIELDS = {
    ("zh", "max_sentence_chars"): "max_sentence_chars_zh",
    ("zh", "max_uncommon_char_share"): "max_uncommon_char_share_zh",
    ("en", "max_grade"): "max_grade_en",
}


def reading_level_targets() -> dict[str, dict[str, float]]:
    """The defaults with ``KEPU_READING_LEVEL_TARGETS`` merged over them; unknown names are an error."""
    configured: Mapping[str, Mapping[str, Any]] = getattr(settings, "KEPU_READING_LEVEL_TARGETS", None) or {}
    targets = {language: dict(values) for language, values in DEFAULT_READING_LEVEL_TARGETS.items()}
    for language, values in configured.items():
        for name, value in values.items():
            if (language, name) not in _TARGET_FIELDS:
                known = ", ".join(f"{lang}.{target}" for lang, target in _TARGET_FIELDS)
                raise ImproperlyConfigured(
                    f"KEPU_READING_LEVEL_TARGETS: unknown target {language}.{name} (known: {known})"
                )
            targets[language][name] = float(value)
    return targets


def claim_rule_set() -> ClaimRuleSet:
    """The enabled and disabled rules as Editors maintain them in the admin."""
    records = [rule.to_record() for rule in ClaimRule.objects.order_by("rule_id")]
    try:
        return ClaimRuleSet.from_records(records, version="database")
    except ClaimRuleError as error:
        # Rules are validated on save, so this means someone wrote to the table directly.
        raise ImproperlyConfigured(f"the claim rule table holds an invalid rule: {error}") from error


def check_config(rules: ClaimRuleSet | None = None) -> CheckConfig:
    raw = dict(getattr(settings, "KEPU_MODERATION_CHECKS", None) or {})
    targets = reading_level_targets()
    for (language, name), field in _TARGET_FIELDS.items():
        raw[field] = targets[language][name]
    try:
        return CheckConfig.from_dict(raw, claim_rules=rules if rules is not None else claim_rule_set())
    except ValueError as error:
        raise ImproperlyConfigured(f"KEPU_MODERATION_CHECKS / KEPU_READING_LEVEL_TARGETS: {error}") from error


def config_fingerprint(config: CheckConfig) -> str:
    """Identifies rules plus settings, so a report is recomputed exactly when either changed."""
    model = config.model
    canonical = json.dumps(
        {"rules": config.rules.fingerprint, "model": model.fingerprint if model else "", "settings": config.to_dict()},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
