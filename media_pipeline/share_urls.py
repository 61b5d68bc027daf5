"""The public link printed in QR codes and on video end cards.

Public links belong to distribution (``distribution.sharing``), which depends
on media_pipeline and not the other way round, so it tells the pipeline how
they are made: its ``AppConfig.ready()`` calls
:func:`register_share_url_resolver`. With nothing registered the page's own
``full_url`` is used (none for a page without a site: the QR code is left out).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: ``resolver(article) -> str``: the article's public share URL
ShareURLResolver = Callable[[Any], str]

_resolver: ShareURLResolver | None = None


def register_share_url_resolver(resolver: ShareURLResolver | None) -> None:
    """Make ``resolver`` the one that gives articles their share URL (``None``: the page URL again)."""
    global _resolver
    _resolver = resolver


def share_url_for(article: Any) -> str:
    """The public link for QR codes and end cards of ``article``."""
    if _resolver is not None:
        return str(_resolver(article) or "")
    return article.full_url or ""
