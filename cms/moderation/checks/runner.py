"""Run the checks over one revision and collect a :class:`CheckReport`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from cms.core.documents import ArticleDocument

from .check_interface import Check, MeasuringCheck
from .config import CheckConfig
from .dosage import DosageCheck
from .empty_sections import EmptySectionCheck
from .external_links import ExternalLinkCheck
from .findings import CheckReport, Finding, severity_rank
from .health_claims import HealthClaimCheck
from .images import ImageAltTextCheck
from .reading_level import ReadingLevelCheck
from .references import MissingReferencesCheck

logger = logging.getLogger(__name__)

DEFAULT_CHECKS: tuple[Check, ...] = (
    HealthClaimCheck(),
    MissingReferencesCheck(),
    DosageCheck(),
    ImageAltTextCheck(),
    ExternalLinkCheck(),
    EmptySectionCheck(),
    ReadingLevelCheck(),
)


def check_names(checks: Sequence[Check] = DEFAULT_CHECKS) -> list[str]:
    return [check.name for check in checks]


def run_checks(
    document: ArticleDocument,
    config: CheckConfig | None = None,
    checks: Sequence[Check] = DEFAULT_CHECKS,
) -> CheckReport:
    """Run every enabled check; findings are ordered by severity (errors first), then by position.

    A check that crashes does not hide the others: it becomes an ``error``
    finding so the revision cannot pass unreviewed because of a bug.
    """
    if not isinstance(document, ArticleDocument):
        raise TypeError(f"run_checks needs an ArticleDocument, got {type(document).__name__}")
    config = config or CheckConfig()
    names = [check.name for check in checks]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ValueError(f"duplicate check name(s): {', '.join(sorted(duplicates))}")
    if config.enabled_checks is not None:
        unknown = config.enabled_checks - set(names)
        if unknown:
            raise ValueError(f"enabled_checks names unknown check(s): {', '.join(sorted(unknown))}")

    findings: list[Finding] = []
    metrics: dict[str, dict[str, Any]] = {}
    ran: list[str] = []
    for check in checks:
        if not config.is_enabled(check.name):
            continue
        ran.append(check.name)
        try:
            findings.extend(check(document, config))
            if isinstance(check, MeasuringCheck):
                metrics[check.name] = check.measure(document, config)
        except Exception as error:  # noqa: BLE001 - reported as a blocking finding, see docstring
            logger.exception("moderation check %s failed on article %s", check.name, document.article_id)
            findings.append(
                Finding(
                    check=check.name,
                    severity="error",
                    location="article",
                    rule_id="internal.check_failed",
                    message_zh=f"自动检查“{check.name}”运行失败（{type(error).__name__}），请联系技术人员后重新检查。",
                    message_en=f"The automated check {check.name!r} failed ({type(error).__name__}: {error}); "
                    "contact support and re-run.",
                )
            )

    def order(finding: Finding) -> tuple[int, int, int, str]:
        position = finding.position
        block = position.block_index if position and position.block_index is not None else -1
        start = position.start if position and position.start is not None else -1
        return (-severity_rank(finding.severity), block, start, finding.check)

    return CheckReport(
        findings=tuple(sorted(findings, key=order)),
        checks_run=tuple(ran),
        language=document.language,
        metrics=metrics,
        ruleset_fingerprint=config.rules.fingerprint if config.is_enabled(HealthClaimCheck.name) else "",
        article_id=document.article_id,
        revision_id=document.revision_id,
    )
