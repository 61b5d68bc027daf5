"""The consent text of the join page, versioned, in Chinese and English.

PIPL (个人信息保护法) art. 14, 17, 28–29: health information is sensitive
personal information, so the patient is told the purpose, what is stored,
who sees it and how to leave, and consents to the health information
separately (its own tick box). The text is written out here in both
languages rather than left to the translation catalogue: the wording a
patient agreed to is fixed by ``CONSENT_VERSION`` — change the version
whenever a sentence changes meaning; every join records the version seen.
"""

from __future__ import annotations

from dataclasses import dataclass

from cms.core.languages import ENGLISH, site_language

__all__ = ["CONSENT_VERSION", "ConsentSection", "consent_sections", "consent_labels"]

CONSENT_VERSION = "2026-12-01"


@dataclass(frozen=True)
class ConsentSection:
    heading: str
    text: str


_SECTIONS = {
    "zh-hans": [
        ("用途", "便于您的医生在就诊后给您发送与病情相关的健康科普文章和随访提醒。"),
        (
            "我们保存什么",
            "您希望我们怎样称呼您、您的手机号（在微信中打开时为您在本公众号下的微信标识）、您勾选的病情、"
            "您选择的语言，以及给您发过哪些消息、何时发出。我们不保存您的病历。",
        ),
        ("谁能看到", "只有您的医生和负责发送消息的医院工作人员。不会出现在任何公开页面上，不出售，也不提供给广告商。"),
        (
            "如何退出",
            "每条消息都附有链接，可随时停止接收，或立即删除您的联系方式。删除即真正删除；您也可以请医生代为删除。",
        ),
    ],
    "en": [
        (
            "Why",
            "So that your doctor can send you health articles and follow-up reminders about your condition "
            "after your visit.",
        ),
        (
            "What we keep",
            "The name you want to be called, your mobile number (or, inside WeChat, your ID under this "
            "official account), the conditions you tick, your language, and which messages were sent "
            "to you and when. We do not keep your medical records.",
        ),
        (
            "Who sees it",
            "Your doctor and the hospital staff who send the messages. It is not shown on any public "
            "page, not sold and not given to advertisers.",
        ),
        (
            "How to leave",
            "Every message has a link to stop messages or to delete your contact details at once. "
            "Deleting really removes them; you can also ask your doctor to do it.",
        ),
    ],
}

_LABELS = {
    "zh-hans": {
        "general": "我同意接收这位医生发送的健康科普和随访消息。",
        "health": "我单独同意保存我勾选的病情（属于法律规定的敏感个人信息），仅用于选择发给我的内容。",
    },
    "en": {
        "general": "I agree to receive health education and follow-up messages from this doctor.",
        "health": "I separately agree that the conditions I tick (health information, which the law treats as "
        "sensitive) are kept, only to choose what I am sent.",
    },
}


def _family(language: str) -> str:
    return site_language(language, ENGLISH)


def consent_sections(language: str) -> list[ConsentSection]:
    return [ConsentSection(heading, text) for heading, text in _SECTIONS[_family(language)]]


def consent_labels(language: str) -> dict[str, str]:
    return dict(_LABELS[_family(language)])
