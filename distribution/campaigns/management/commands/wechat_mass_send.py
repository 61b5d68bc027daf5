"""``manage.py wechat_mass_send CAMPAIGN --tag ID``: send a campaign's article to a WeChat tag (群发)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from distribution.campaigns.mass_send import mass_send_to_tag
from distribution.campaigns.models import Campaign, WeChatMassSend


class Command(BaseCommand):
    help = (
        "Send the campaign's article to every follower carrying a tag of the WeChat service account. "
        "A service account has four mass sends a month; running it again for the same campaign and tag "
        "does not send twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("campaign", type=int)
        parser.add_argument("--tag", type=int, required=True, help="the tag's id in the service account")
        parser.add_argument(
            "--ignore-reprint",
            action="store_true",
            help="go on when WeChat judges the article a reprint (send_ignore_reprint=1)",
        )

    def handle(self, *args, campaign: int, tag: int, ignore_reprint: bool, **options):
        found = Campaign.objects.filter(pk=campaign).first()
        if found is None:
            raise CommandError(f"no campaign {campaign}")
        job = mass_send_to_tag(found, tag, send_ignore_reprint=ignore_reprint)
        if job.state == WeChatMassSend.FAILED:
            raise CommandError(f"mass send to tag {tag} failed: {job.reason}")
        self.stdout.write(f"mass send to tag {tag}: {job.get_state_display()} (WeChat job {job.msg_id})")
