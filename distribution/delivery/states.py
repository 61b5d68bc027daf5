"""The states of a ledger row, shared by every kind of outbound delivery."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent (accepted by the provider)")
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERED = "undelivered", _("Not delivered (reported by the provider)")
    RETRYING = "retrying", _("Failed, will retry")
    DEAD = "dead", _("Failed permanently")
    SKIPPED = "skipped", _("Skipped")
    SUPERSEDED = "superseded", _("Superseded by a newer event")


# Waiting for a first attempt or for its backoff to end: what a claim takes (with stale 'sending' rows).
CLAIMABLE_STATES = (DeliveryState.PENDING, DeliveryState.RETRYING)
# Not finished yet: a worker may still send it.
OPEN_STATES = (DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.RETRYING)
# Failed, with a reason: what the admin's and the commands' retry puts back to pending.
RETRYABLE_STATES = (DeliveryState.RETRYING, DeliveryState.DEAD)
