"""Admin plumbing shared by the patient and campaign screens: who may do what, and which rows they see."""

from __future__ import annotations

from django.http import Http404
from wagtail.admin.views import generic
from wagtail.permission_policies import ModelPermissionPolicy

from .models import can_see_all_patients, doctor_profile_of

__all__ = ["StudioStaffPermissionPolicy", "ScopedIndexView", "ScopedEditView", "ScopedDeleteView",
           "ScopedInspectView", "ScopedViewSetMixin"]


class StudioStaffPermissionPolicy(ModelPermissionPolicy):
    """Doctors manage their own rows, editors and superusers all rows; nobody else anything.

    Group membership decides rather than Django model permissions, so a new
    doctor needs no extra set-up beyond a doctor profile.
    """

    read_only_for_doctors_when_shared = False

    def user_has_permission(self, user, action):
        if not (user.is_authenticated and user.is_active):
            return False
        return can_see_all_patients(user) or doctor_profile_of(user) is not None

    def user_has_any_permission(self, user, actions):
        return self.user_has_permission(user, actions[0] if actions else "view")

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if not type(instance).objects.visible_to(user).filter(pk=instance.pk).exists():
            return False
        # studio templates are read-only for doctors
        return not (self.read_only_for_doctors_when_shared and action not in ("view",)
                    and not can_see_all_patients(user) and getattr(instance, "doctor_id", None) is None)

    def instances_user_has_any_permission_for(self, user, actions):
        return self.model.objects.visible_to(user)


class SharedTemplatePermissionPolicy(StudioStaffPermissionPolicy):
    read_only_for_doctors_when_shared = True


class VisibleObjectMixin:
    def get_object(self, queryset=None):
        instance = super().get_object(queryset) if queryset is not None else super().get_object()
        if not type(instance).objects.visible_to(self.request.user).filter(pk=instance.pk).exists():
            raise Http404
        return instance


class ScopedIndexView(generic.IndexView):
    prefetch: tuple[str, ...] = ()

    def get_base_queryset(self):
        queryset = self.model.objects.visible_to(self.request.user)
        return queryset.prefetch_related(*self.prefetch) if self.prefetch else queryset


class ScopedEditView(VisibleObjectMixin, generic.EditView):
    pass


class ScopedDeleteView(VisibleObjectMixin, generic.DeleteView):
    pass


class ScopedInspectView(VisibleObjectMixin, generic.InspectView):
    pass


class ScopedViewSetMixin:
    index_view_class = ScopedIndexView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    inspect_view_class = ScopedInspectView
    copy_view_enabled = False
