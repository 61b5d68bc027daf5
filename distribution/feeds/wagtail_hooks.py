"""A Settings menu entry in the Wagtail admin leading to partners and their delivery ledger."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem


class PartnerDeliveriesMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return request.user.is_staff and request.user.has_perm("feeds.view_partnerdelivery")


@hooks.register("register_settings_menu_item")
def partner_deliveries_menu_item():
    return PartnerDeliveriesMenuItem(
        _("Partner deliveries"), reverse("admin:feeds_partnerdelivery_changelist"), icon_name="site", order=900,
    )
