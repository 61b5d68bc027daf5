"""Admin screens whose rows depend on who looks: the one scoped base of the studio's Wagtail viewsets.

A scoped model's manager answers ``visible_to(user)``. The views here list,
edit, inspect and delete only those rows (any other id is a 404), and
:class:`ScopedPermissionPolicy` lets roles, not Django model permissions,
decide who uses the screens at all. The roles belong to the apps that define
them: a policy subclass says who may use the screens (:meth:`may_use`) and who
manages every row (:meth:`manages_every_row`).
"""

from __future__ import annotations

from django.http import Http404
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

__all__ = [
    "ScopedPermissionPolicy",
    "ScopedIndexView",
    "ScopedEditView",
    "ScopedDeleteView",
    "ScopedInspectView",
    "ScopedModelViewSet",
    "ListOnlyViewSetMixin",
]


class ScopedPermissionPolicy(ModelPermissionPolicy):
    """Who may use a model's screens, and on which rows (the manager's ``visible_to``).

    With ``shared_rows_read_only``, rows without an owner (no ``doctor``: the
    studio's templates) are read-only for users who do not manage every row.
    """

    shared_rows_read_only = False

    def may_use(self, user) -> bool:
        raise NotImplementedError

    def manages_every_row(self, user) -> bool:
        raise NotImplementedError

    def user_has_permission(self, user, action):
        if not (user.is_authenticated and user.is_active):
            return False
        return self.may_use(user)

    def user_has_any_permission(self, user, actions):
        return self.user_has_permission(user, actions[0] if actions else "view")

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if not type(instance).objects.visible_to(user).filter(pk=instance.pk).exists():
            return False
        # shared rows (the studio's templates) are read-only to those who do not manage every row
        return not (
            self.shared_rows_read_only
            and action not in ("view",)
            and not self.manages_every_row(user)
            and getattr(instance, "doctor_id", None) is None
        )

    def instances_user_has_any_permission_for(self, user, actions):
        return self.model.objects.visible_to(user)


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


class ScopedModelViewSet(ModelViewSet):
    """A ModelViewSet over the rows the user may see; copying is off (a copy would escape the scope's checks)."""

    index_view_class = ScopedIndexView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    inspect_view_class = ScopedInspectView
    copy_view_enabled = False


class ListOnlyViewSetMixin:
    """A ledger screen: the listing (with its filters) and nothing to add, edit or delete.

    Rows are written by the workers; people look at them and act through ``extra_urlpatterns``
    (a retry button), never through forms.
    """

    form_fields: list[str] = []
    inspect_view_enabled = False
    copy_view_enabled = False

    def get_common_view_kwargs(self, **kwargs):
        # No add, edit, delete, history or usage views exist, so no view may link to them.
        return super().get_common_view_kwargs(
            **{
                "add_url_name": None,
                "edit_url_name": None,
                "delete_url_name": None,
                "history_url_name": None,
                "usage_url_name": None,
                **kwargs,
            }
        )

    def extra_urlpatterns(self) -> list:
        return []

    def get_urlpatterns(self):
        listing = [pattern for pattern in super().get_urlpatterns() if pattern.name in ("index", "index_results")]
        return listing + self.extra_urlpatterns()
