"""Admin: doctors edit their own public profile; editors edit every doctor's."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from cms.core.studio_setup import EDITORS

from .models import DoctorProfile


def manages_all_doctors(user) -> bool:
    return user.is_active and (user.is_superuser or user.groups.filter(name=EDITORS).exists())


class DoctorProfilePolicy(ModelPermissionPolicy):
    """A doctor may view and change their own profile only; editors all; nobody else anything."""

    def user_has_permission(self, user, action):
        if not (user.is_authenticated and user.is_active):
            return False
        if manages_all_doctors(user):
            return True
        return action in ("view", "change") and hasattr(user, "doctor_profile")

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        return manages_all_doctors(user) or instance.user_id == user.pk

    def instances_user_has_any_permission_for(self, user, actions):
        if manages_all_doctors(user):
            return DoctorProfile.objects.all()
        return DoctorProfile.objects.filter(user=user)


register_permission_policy(DoctorProfile, DoctorProfilePolicy(DoctorProfile))


class DoctorIndexView(generic.IndexView):
    def get_base_queryset(self):
        return DoctorProfilePolicy(DoctorProfile).instances_user_has_any_permission_for(self.request.user, ["change"])


# What a doctor may change about themselves: not the account it belongs to, nor the homepage address.
OWN_PROFILE_PANELS = [
    panel for panel in DoctorProfile.panels if getattr(panel, "field_name", "") not in ("user", "slug")
]


class DoctorEditView(generic.EditView):
    def get_object(self, queryset=None):
        instance = super().get_object(queryset)
        if not DoctorProfilePolicy(DoctorProfile).user_has_permission_for_instance(
            self.request.user, "change", instance
        ):
            from django.http import Http404

            raise Http404
        return instance

    def get_panel(self):
        if manages_all_doctors(self.request.user):
            return super().get_panel()
        return ObjectList(OWN_PROFILE_PANELS).bind_to_model(DoctorProfile)

    def get_form_class(self):
        if manages_all_doctors(self.request.user):
            return super().get_form_class()
        return self.panel.get_form_class()  # the viewset's form class would still carry the account field


class DoctorProfileViewSet(ModelViewSet):
    model = DoctorProfile
    icon = "user"
    menu_label = _("Doctor profiles")
    menu_order = 240
    add_to_admin_menu = True
    index_view_class = DoctorIndexView
    edit_view_class = DoctorEditView
    list_display = ["name", "title", "department", "hospital"]
    search_fields = ["name", "hospital"]
    inspect_view_enabled = False
    copy_view_enabled = False


@hooks.register("register_admin_viewset")
def register_doctor_viewset():
    return DoctorProfileViewSet("doctor_profiles")
