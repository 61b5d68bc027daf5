"""The consent text of the join page, versioned.

PIPL (个人信息保护法) art. 14, 28–29: health information is sensitive
personal information, so the patient's consent to it is asked for
separately (its own tick box), after being told the purpose, what is stored,
who sees it and how to leave. Change ``CONSENT_VERSION`` whenever a sentence
changes meaning: every join records the version the patient saw.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

__all__ = ["CONSENT_VERSION", "ConsentSection", "consent_sections"]

CONSENT_VERSION = "2026-12-01"


@dataclass(frozen=True)
class ConsentSection:
    heading: str
    text: str


def consent_sections() -> list[ConsentSection]:
    """The sections, in the active language."""
    return [
        ConsentSection(_("Why"), _(
            "So that your doctor can send you health articles and follow-up reminders about your condition "
            "after your visit.")),
        ConsentSection(_("What we keep"), _(
            "The name you want to be called, your mobile number (or your WeChat ID inside this official account), "
            "the conditions you tick, your language, and which messages were sent to you and when. "
            "We do not keep your medical records.")),
        ConsentSection(_("Who sees it"), _(
            "Your doctor and the hospital staff who send the messages. It is not shown on any public page, "
            "not sold and not given to advertisers.")),
        ConsentSection(_("How to leave"), _(
            "Every message has a link to stop messages or to delete your contact details at once. "
            "Deleting really removes them; you can also ask your doctor.")),
    ]


GENERAL_CONSENT_LABEL = _("I agree to receive health education and follow-up messages from this doctor.")
HEALTH_DATA_CONSENT_LABEL = _(
    "I separately agree that the conditions I tick (health information, which the law treats as sensitive) "
    "are kept to choose what I am sent.")
