"""The Distributors group (分发人员): distribution's operator role, created whenever the studio is set up."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from cms.core.studio_setup import named
from distribution.patients.models import DISTRIBUTORS

__all__ = ["ensure_distributors_group"]


@transaction.atomic
def ensure_distributors_group(**_signal_kwargs) -> Group:
    """Admin access and the Channels settings screen; no page or image permission at all.

    What else a distributor may do (every doctor's patients, groups, campaigns,
    follow-up plans, reports and shared links) is decided by group membership
    in the distribution apps' permission policies, not by model permissions.
    """
    group = named(Group, DISTRIBUTORS, former_name="Distributors")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        Permission.objects.get(content_type__app_label="campaigns", codename="change_channelsettings"),
    )
    return group
