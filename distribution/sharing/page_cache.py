"""The rendered reading page of a link, kept in Django's cache.

A patient's phone, a WeChat preview bot and a CDN all ask for the same
``/s/<token>/`` page; rendering it once and serving the stored HTML keeps the
page fast under a campaign's burst of opens. The key is the token, the
language asked for (``?lang=``) and the print flag: nothing per reader goes in
(elder mode is applied in the browser), so one stored copy serves everyone.

Invalidation, so a reader never gets text that is no longer approved:

* publishing or unpublishing a page drops the pages of every link of that
  article and of its translations (a link may show a translation via ``?lang=``);
* a finished media render drops them too (the player appears);
* revoking a link drops that link's pages (``ShareLink.revoke``).

Invalidation reaches every server process only with a shared cache (Redis,
``REDIS_URL``); with the per-process local-memory cache each entry lives 30 s,
which bounds how long another worker may still serve a revoked link. Dropping
keys alone leaves a race: a worker that read the link just before the revoke
stores its page just after. So each link also has a generation in the cache,
read in the same round trip as the page (``get_many``); a page is stored with
the generation read before the link was loaded, and forgetting a link's pages
moves the generation on, so a page stored by that late worker never matches. Each
entry also lives at most :data:`PAGE_TTL` and never beyond the link's expiry;
``KEY_VERSION`` in the key retires every stored page at once when the page
layout changes in a deploy.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from wagtail.models import Page

from .models import ShareLink

KEY_VERSION = 3  # 2: stored pages carry their Content-Language; 3: and the generation they were rendered in


def _default_ttl() -> int:
    """A process-local cache cannot be invalidated from another process (the admin's publish or revoke
    reaches only its own worker), so there the lifetime itself is the bound on staleness; keep it short."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "django.core.cache.backends.locmem.LocMemCache")
    return 30 if backend.endswith(("LocMemCache", "DummyCache")) else 600


PAGE_TTL = int(getattr(settings, "KEPU_SHARE_PAGE_CACHE_SECONDS", 0) or _default_ttl())
#: how long a CDN may reuse a page without asking again (short: a revocation must bite quickly). Browsers
#: revalidate every time (max-age=0 + ETag, answered 304 from this cache), so a revoked link is gone at once for them.
SHARED_MAX_AGE = int(getattr(settings, "KEPU_SHARE_PAGE_MAX_AGE", 60))
LANGUAGE_VARIANTS = ("", "zh-hans", "en")
PRINT_VARIANTS = (False, True)


@dataclass(frozen=True)
class StoredPage:
    status: int
    content: bytes
    content_type: str
    expires_at: datetime.datetime | None  # the link's expiry: a stored page must not outlive it
    etag: str = ""
    language: str = ""  # Content-Language: the language of the article shown ('zh-Hans' or 'en')

    def __post_init__(self) -> None:
        if not self.etag:
            object.__setattr__(self, "etag", '"' + hashlib.blake2b(self.content, digest_size=12).hexdigest() + '"')


def page_key(token: str, language: str, print_view: bool) -> str:
    return f"sharing:page:v{KEY_VERSION}:{token}:{language or '-'}:{'p' if print_view else 's'}"


def generation_key(token: str) -> str:
    return f"sharing:generation:{token}"


#: a link's generation outlives every page stored under it (pages live at most PAGE_TTL)
GENERATION_TTL = PAGE_TTL + 300


# Stored as a plain tuple (status, content, content type, expiry timestamp or None, ETag, language, generation): this
# is read on every request, and a tuple of built-ins unpickles several times faster than a dataclass holding a datetime.
def load(token: str, language: str, print_view: bool) -> tuple[StoredPage | None, int]:
    """The stored page (None when absent, expired or from an older generation) and the link's generation now."""
    key, generation_at = page_key(token, language, print_view), generation_key(token)
    found = cache.get_many([key, generation_at])
    generation = found.get(generation_at, 0)
    stored = found.get(key)
    if stored is None or len(stored) != 7:
        return None, generation
    status, content, content_type, expires_ts, etag, language, stored_generation = stored
    if stored_generation != generation or (expires_ts is not None and expires_ts <= time.time()):
        return None, generation
    expires_at = datetime.datetime.fromtimestamp(expires_ts, tz=datetime.UTC) if expires_ts else None
    return StoredPage(status, content, content_type, expires_at, etag, language), generation


def store(token: str, language: str, print_view: bool, page: StoredPage, generation: int) -> None:
    """Keep ``page``; ``generation`` is what :func:`load` said before the link was read from the database."""
    timeout = PAGE_TTL
    expires_ts = page.expires_at.timestamp() if page.expires_at is not None else None
    if expires_ts is not None:
        timeout = min(timeout, max(1, int(expires_ts - time.time())))
    cache.set(
        page_key(token, language, print_view),
        (page.status, page.content, page.content_type, expires_ts, page.etag, page.language, generation),
        timeout,
    )


def shared_max_age_for(expires_at: datetime.datetime | None) -> int:
    if expires_at is None:
        return SHARED_MAX_AGE
    return max(0, min(SHARED_MAX_AGE, int(expires_at.timestamp() - time.time())))


def forget_link_pages(tokens: Iterable[str]) -> None:
    """Move each link's generation on (a page stored by a request already under way will not match), drop its pages."""
    tokens = list(tokens)
    if not tokens:
        return
    # A new, never-reused value (not a counter an evicted key could count back to).
    generation = time.time_ns()
    cache.set_many({generation_key(token): generation for token in tokens}, GENERATION_TTL)
    cache.delete_many(
        [
            page_key(token, language, print_view)
            for token in tokens
            for language in LANGUAGE_VARIANTS
            for print_view in PRINT_VARIANTS
        ]
    )


def forget_article_pages(article_id: int) -> None:
    """Drop the stored pages of every link of the article and of its translations."""
    page = Page.objects.filter(pk=article_id).only("translation_key").first()
    if page is None:
        return
    related = Page.objects.filter(translation_key=page.translation_key).values("pk")
    forget_link_pages(ShareLink.objects.filter(article_id__in=related).values_list("token", flat=True))
