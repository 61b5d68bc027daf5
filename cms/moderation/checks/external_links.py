"""Check: links that leave the hospital's site for domains nobody vetted.

A patient-education page that links to a shop or an unvetted clinic can turn
into a disguised advertisement, so links outside the allow-list are shown to
the reviewer. Subdomains of an allowed domain are allowed ("www.who.int" under
"who.int"); the article's own share URL host always is.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from cms.core.documents import ArticleDocument, DocumentBlock

from .check_interface import finding_for_block
from .config import CheckConfig
from .findings import Finding, Severity

# Bare web addresses typed into the text ("请访问 www.example.com").
_BARE_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。；）)】]+", re.IGNORECASE)
_SAFE_SCHEMES = frozenset({"mailto", "tel"})
_DANGEROUS_SCHEMES = frozenset({"javascript", "data", "vbscript", "file"})


def link_host(url: str) -> str | None:
    """The lower-case host of an absolute web URL, None for relative links; ValueError when malformed."""
    candidate = url.strip()
    if candidate.lower().startswith("www."):
        candidate = "http://" + candidate
    parts = urlsplit(candidate)
    if not parts.scheme and not parts.netloc:
        return None
    if parts.scheme.lower() in {"http", "https"} and not parts.hostname:
        raise ValueError(f"link without a host: {url!r}")
    return (parts.hostname or "").rstrip(".").lower() or None


def is_allowed_host(host: str, allowed_domains: tuple[str, ...]) -> bool:
    for domain in allowed_domains:
        domain = domain.strip().lower().lstrip(".")
        if domain and (host == domain or host.endswith("." + domain)):
            return True
    return False


class ExternalLinkCheck:
    name = "external_links"

    def __call__(self, document: ArticleDocument, config: CheckConfig) -> list[Finding]:
        allowed = tuple(config.allowed_link_domains)
        own_host = link_host(document.share_url) if document.share_url else None
        if own_host:
            allowed += (own_host,)
        findings: list[Finding] = []
        for index, block in enumerate(document.blocks):
            in_references = block.kind == "references"
            default = config.reference_link_severity if in_references else config.external_link_severity
            severity = config.severity_for(default, "external_links.references" if in_references else None, self.name)
            for field, url in _links_of(block):
                finding = self._inspect(document, index, field, url, allowed, severity)
                if finding is not None:
                    findings.append(finding)
        return findings

    def _inspect(
        self, document: ArticleDocument, index: int, field: str, url: str, allowed: tuple[str, ...], severity: Severity
    ) -> Finding | None:
        scheme = urlsplit(url.strip()).scheme.lower()
        common: dict[str, Any] = {
            "check": self.name,
            "document": document,
            "block_index": index,
            "field": field,
            "excerpt": url,
        }
        if scheme in _SAFE_SCHEMES:
            return None
        if scheme in _DANGEROUS_SCHEMES:
            return finding_for_block(
                severity="error",
                rule_id="links.dangerous_scheme",
                message_zh=f"链接使用了不安全的协议“{scheme}:”，必须删除。",
                message_en=f"The link uses the unsafe \u201c{scheme}:\u201d scheme and must be removed.",
                **common,
            )
        try:
            host = link_host(url)
        except ValueError:
            return finding_for_block(
                severity="warning",
                rule_id="links.malformed",
                message_zh=f"链接“{url}”格式错误，读者无法打开。",
                message_en=f"The link \u201c{url}\u201d is malformed; readers cannot open it.",
                **common,
            )
        if host is None or is_allowed_host(host, allowed):
            return None
        return finding_for_block(
            severity=severity,
            rule_id="links.external_domain",
            message_zh=f"外部链接指向未经审核的域名“{host}”。请确认其内容可靠且不构成商业推广，或将该域名加入白名单。",
            message_en=(
                f"External link to the unvetted domain \u201c{host}\u201d. Confirm it is reliable and not a "
                "commercial promotion, or add the domain to the allow-list."
            ),
            data={"host": host},
            **common,
        )


def _links_of(block: DocumentBlock) -> list[tuple[str, str]]:
    """Rich-text links plus web addresses typed as plain text, each once."""
    links = [(f"links[{position}]", url) for position, url in enumerate(block.links) if url.strip()]
    known = {url.strip() for _, url in links}
    texts = [("text", block.text), ("answer", block.answer)]
    texts += [(f"items[{position}]", item) for position, item in enumerate(block.items)]
    for field, text in texts:
        for match in _BARE_URL.finditer(text or ""):
            url = match.group().rstrip(".,;:!?")
            if url not in known:
                known.add(url)
                links.append((field, url))
    return links
