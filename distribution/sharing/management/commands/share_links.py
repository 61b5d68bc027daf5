"""Shared links from the command line: list an article's links, make one, revoke one at once.

manage.py share_links list <article id>
manage.py share_links create <article id> [--audience campaign:12] [--label …] [--expires-in-days 30] [--replace]
manage.py share_links revoke <token>      (a token made before 2026-12 may start with "-": revoke -- <token>)
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Sum
from django.utils import timezone

from cms.articles.models import Article
from distribution.sharing.models import ActiveLinkExistsError, ShareLink, create_share_link, is_token_shaped


class Command(BaseCommand):
    help = "List, create or revoke an article's shared links."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("list", help="an article's links with their state and views")
        listing.add_argument("article_id", type=int)
        create = actions.add_parser("create", help="make a new link")
        create.add_argument("article_id", type=int)
        create.add_argument("--audience", default="", help="e.g. campaign:12 or group:3; empty for the public link")
        create.add_argument("--label", default="")
        create.add_argument("--expires-in-days", type=int, default=None)
        create.add_argument("--replace", action="store_true", help="revoke the audience's active link first")
        revoke = actions.add_parser("revoke", help="stop a link at once")
        revoke.add_argument("token")

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"_{action}")(**options)

    def _article(self, article_id: int) -> Article:
        article = Article.objects.filter(pk=article_id).first()
        if article is None:
            raise CommandError(f"no article with id {article_id}")
        return article

    def _list(self, article_id: int, **options) -> None:
        article = self._article(article_id)
        links = (
            ShareLink.objects.filter(article=article).annotate(views=Sum("read_stats__views")).order_by("created_at")
        )
        for link in links:
            self.stdout.write(
                f"{link.state:8} {link.audience_key or 'public':14} views={link.views or 0:<6} "
                f"{link.public_url}  {link.label}"
            )
        if not links:
            self.stdout.write("no links")

    def _create(
        self, article_id: int, audience: str, label: str, expires_in_days: int | None, replace: bool, **options
    ) -> None:
        article = self._article(article_id)
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError("--expires-in-days must be at least 1")
        expires_at = timezone.now() + datetime.timedelta(days=expires_in_days) if expires_in_days else None
        try:
            link = create_share_link(article, audience, label=label, expires_at=expires_at, replace=replace)
        except ActiveLinkExistsError as error:
            raise CommandError(f"{error}; pass --replace to revoke it and make a new one") from error
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(link.public_url)

    def _revoke(self, token: str, **options) -> None:
        link = ShareLink.objects.filter(token=token).first() if is_token_shaped(token) else None
        if link is None:
            raise CommandError("no link with that token")
        already = link.revoked_at is not None
        link.revoke()
        self.stdout.write(f"already revoked: {link.public_url}" if already else f"revoked: {link.public_url}")
