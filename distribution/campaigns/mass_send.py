"""A campaign's article to every follower with a tag of the WeChat service account (群发).

Mass sends reach followers the studio has no openid for (everyone who carries the
tag in the account), but a service account has four a month, so they are an
operator's decision (``manage.py wechat_mass_send``), not a channel of every
campaign. The ``clientmsgid`` is derived from (campaign, tag): a repeated command
is the same job on WeChat's side (errcode 45065 names it), never a second send.
"""

from __future__ import annotations

from dataclasses import dataclass

from distribution.channels import ChannelError

from .channel_pool import configured_channel
from .configuration import distribution_settings
from .message_content import ContentResolver, ContentUnavailable
from .models import Campaign, WeChatMassSend

__all__ = ["mass_send_to_tag"]


@dataclass(frozen=True)
class _CampaignArticle:
    """The campaign's article as content resolution reads a ledger row (``message_content.ClaimedRow``)."""

    article_id: int | None
    campaign_id: int | None
    language: str
    step_id: None = None
    step_key: str = ""


def mass_send_to_tag(campaign: Campaign, tag_id: int, *, send_ignore_reprint: bool = False) -> WeChatMassSend:
    """Send ``campaign``'s article (title and link) to WeChat tag ``tag_id``; the job's row, new or earlier."""
    job, _created = WeChatMassSend.objects.get_or_create(campaign=campaign, tag_id=tag_id)
    if job.msg_id:
        return job  # submitted before; its MASSSENDJOBFINISH report fills in the counts
    try:
        content = ContentResolver().content_for(_CampaignArticle(campaign.article_id, campaign.pk, "zh-hans"))
        target = configured_channel("wechat", distribution_settings())
        result = target.channel.mass_send_to_tag(
            tag_id,
            f"{content.title}\n{content.url}",
            clientmsgid=job.clientmsgid,
            send_ignore_reprint=send_ignore_reprint,
        )
    except ChannelError as exc:
        WeChatMassSend.objects.filter(pk=job.pk).update(state=WeChatMassSend.FAILED, reason=exc.reason[:300])
    except ContentUnavailable as exc:
        WeChatMassSend.objects.filter(pk=job.pk).update(state=WeChatMassSend.FAILED, reason=str(exc)[:300])
    else:
        WeChatMassSend.objects.filter(pk=job.pk).update(state=WeChatMassSend.SUBMITTED, msg_id=result.msg_id, reason="")
    job.refresh_from_db()
    return job
