"""Every admin page a person can reach loads, for every role: no 5xx anywhere.

The walk starts at the dashboard with the demo data loaded and, as each role, visits:
- every entry of the sidebar menu (submenus included), read from the menu the admin renders;
- every admin URL that takes no arguments (every listing, add view, chooser and report of Wagtail, the
  snippets and the project's viewsets), whether or not the role's menu shows it: a hidden page must refuse
  (403, or a redirect), never fail;
- every admin link found on those pages (edit views, inspect views, page explorer, history…), followed
  breadth-first, a few of each kind (each page type counts as its own kind).
404 and 403 are fine where they are the intended answer; any 5xx fails the test and names the page.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections import Counter, defaultdict, deque
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from wagtail.models import Page

from cms.core.studio_setup import DOCTORS, EDITORS
from distribution.patients.models import DISTRIBUTORS

pytestmark = pytest.mark.django_db

# Links a GET would act on rather than show (Wagtail makes its state changes POST-only; these are the exceptions).
UNSAFE_URL_NAMES = {"wagtailadmin_logout", "logout"}
# Wagtail's deliberate error page, for checking error reporting.
DELIBERATE_ERRORS = {"wagtailadmin_error_test"}
# How many different URLs of one kind (view name, plus page type for page views) to open per role.
PER_KIND = 2
MAX_PAGES_PER_ROLE = 800

_LINK = re.compile(r"""(?:href|data-url|action|"url")\s*[=:]\s*["']([^"']+)["']""")
_SIDEBAR_PROPS = re.compile(r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', re.S)


def _admin_patterns(resolver=None, prefix: str = "", namespace: str = ""):
    """(route prefix, pattern, full name) of every admin URL pattern."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _admin_patterns(pattern, route, inner)
        elif isinstance(pattern, URLPattern):
            yield route, pattern, f"{namespace}{pattern.name}" if pattern.name else ""


def argument_free_admin_urls() -> list[str]:
    """Every admin URL that needs no argument: listings, add views, choosers, reports, dashboards."""
    urls = []
    for route, pattern, name in _admin_patterns():
        if not route.startswith("admin/") or pattern.pattern.regex.groups or "<" in route:
            continue
        if name in UNSAFE_URL_NAMES | DELIBERATE_ERRORS or not name:
            continue
        path = "/" + route.replace("^", "").replace("$", "").replace("\\", "")
        urls.append(path)
    return sorted(set(urls))


def _sidebar_urls(content: str) -> list[str]:
    """The menu the admin rendered for this person (the sidebar's JSON props), submenus included."""
    match = _SIDEBAR_PROPS.search(content)
    if not match:
        return []
    found = []

    def walk(node):
        if isinstance(node, dict):
            url = node.get("url")
            if isinstance(url, str):
                found.append(url)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(html.unescape(match.group(1))))
    return [url for url in found if url.startswith("/admin/")]


def _kind(path: str) -> str | None:
    """What sort of admin page ``path`` is, or None when it is not one the walk opens."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    name = match.view_name
    if name in UNSAFE_URL_NAMES | DELIBERATE_ERRORS or not path.startswith("/admin/"):
        return None
    page_id = match.kwargs.get("page_id") or match.kwargs.get("parent_page_id")
    if page_id:
        page = Page.objects.filter(pk=page_id).select_related("content_type").first()
        return f"{name}[{page.content_type.model if page else 'missing'}]"
    return name


def _links(content: str) -> list[str]:
    links = []
    for raw in _LINK.findall(content):
        url = html.unescape(raw)
        parts = urlsplit(url)
        if parts.netloc or not parts.path.startswith("/admin/"):
            continue
        links.append(parts.path)  # query strings (sorting, pagination, filters) are variants of the same view
    return links


class Walk:
    def __init__(self, client, role: str):
        self.client, self.role = client, role
        self.statuses: dict[str, int] = {}
        self.failures: list[str] = []
        self.kinds: Counter[str] = Counter()
        self.menu: list[str] = []

    def visit(self, path: str) -> str:
        response = self.client.get(path)
        self.statuses[path] = response.status_code
        if response.status_code >= 500:
            self.failures.append(f"{self.role}: GET {path} → {response.status_code}")
            return ""
        if response.status_code in (301, 302) and response.get("Location", "").startswith("/admin/"):
            return f'href="{response["Location"]}"'  # followed like a link (e.g. "add child page" → the add view)
        content_type = response.get("Content-Type", "")
        if response.status_code == 200 and "text/html" in content_type and not response.streaming:
            return response.content.decode("utf-8", "replace")
        if response.status_code == 200 and "json" in content_type and not response.streaming:
            # Choosers answer with JSON holding their HTML.
            return response.content.decode("utf-8", "replace").replace("\\/", "/").replace('\\"', '"')
        return ""

    def run(self, start_urls: list[str]) -> None:
        dashboard = self.visit("/admin/")
        self.menu = _sidebar_urls(dashboard)
        queue = deque(["/admin/", *self.menu, *start_urls, *_links(dashboard)])
        seen: set[str] = set()
        while queue and len(self.statuses) < MAX_PAGES_PER_ROLE:
            path = queue.popleft()
            if path in seen:
                continue
            seen.add(path)
            kind = _kind(path)
            if kind is None:
                continue
            forced = path in start_urls or path in self.menu
            if not forced and self.kinds[kind] >= PER_KIND:
                continue
            self.kinds[kind] += 1
            content = self.statuses.get(path) is None and self.visit(path) or ""
            queue.extend(link for link in _links(content) if link not in seen)


@pytest.fixture
def demo(encyclopedia):
    """The demo data `make run` loads, plus one of each thing the admin lists (media job, campaign…)."""
    call_command("load_demo", stdout=io.StringIO())
    _one_of_each()
    return encyclopedia


def _one_of_each() -> None:
    from cms.articles.models import Article
    from distribution.campaigns.models import Campaign
    from media_pipeline.models import MediaRender, RenderKind

    article = Article.objects.live().filter(locale__language_code="zh-hans").first()
    MediaRender.objects.get_or_create(article=article, revision_id=article.live_revision_id, kind=RenderKind.VOICE)
    Campaign.objects.get_or_create(name="演示推送", article=article, defaults={"doctor": article.doctor})
    article.summary += "（修改中）"
    article.save_revision(user=article.owner)  # a change waiting: the editor links its draft preview


def _roles() -> dict[str, object]:
    """A superuser and one user in each group the studio sets up (doctors, editors, distributors, moderators)."""
    User = get_user_model()
    roles = {"superuser": User.objects.get(username="admin")}
    for group in Group.objects.order_by("name"):
        member = group.user_set.order_by("pk").first()
        if member is None:
            member = User.objects.create_user(username=f"walk-{group.pk}", password="pw")
            member.groups.add(group)
        roles[group.name] = member
    return roles


def test_every_admin_page_loads_for_every_role(client, demo):
    roles = _roles()
    assert {"superuser", DOCTORS, EDITORS, DISTRIBUTORS} <= set(roles)
    everything = argument_free_admin_urls()
    assert len(everything) > 50, everything  # the resolver walk found the admin, not an empty list
    failures, summary, walks = [], {}, {}
    client.raise_request_exception = False  # a 500 is counted and named, and the walk goes on
    for role, user in roles.items():
        client.force_login(user)
        walk = Walk(client, role)
        walk.run(everything)
        failures += walk.failures
        walks[role] = walk
        codes = Counter(walk.statuses.values())
        summary[role] = (len(walk.statuses), len(walk.menu), dict(sorted(codes.items())))
        assert walk.menu, f"{role} sees no admin menu"
        assert codes[200] > 10, (role, codes)
        client.logout()
    print("\nadmin walk (pages visited, menu entries, status codes):", json.dumps(summary, ensure_ascii=False))
    # The walk is only worth its pass if it opened the heavy pages: the editors of articles and entries,
    # a draft preview, an illustration, a snippet.
    opened = defaultdict(list)
    for path, status in walks["superuser"].statuses.items():
        opened[_kind(path)].append(status)
    for kind in (
        "wagtailadmin_pages:edit[article]",
        "wagtailadmin_pages:edit[encyclopediaentry]",
        "wagtailadmin_pages:add[articleindexpage]",
        "wagtailadmin_pages:view_draft[article]",
        "wagtailimages:edit",
        "wagtailsnippets_moderation_claimrule:edit",
    ):
        assert 200 in opened.get(kind, []), (
            kind,
            len(walks["superuser"].statuses),
            "|".join(sorted(k for k in opened if k)),
        )
    assert not failures, "\n".join(failures)
