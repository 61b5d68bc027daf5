"""Admin screens for patients and patient groups, and the CSV upload view."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from cms.core.admin_scoping import ScopedIndexView, ScopedModelViewSet
from cms.core.outbox import BROKER_DOWN_MESSAGE, enqueue_on_commit
from cms.doctors.models import DoctorProfile

from .contact_addresses import normalize_contact_address
from .csv_import import COLUMN_ALIASES, COLUMN_LABELS, MAX_FILE_BYTES
from .encryption import lookup_indexes
from .imports import error_report_csv, requeue
from .models import Patient, PatientGroup, PatientImport, can_see_all_patients, doctor_profile_of
from .permissions import StudioStaffPermissionPolicy
from .tasks import import_patients

# Doctors and editors by group membership, rows scoped per doctor (see cms.core.admin_scoping).
register_permission_policy(Patient, StudioStaffPermissionPolicy(Patient))
register_permission_policy(PatientGroup, StudioStaffPermissionPolicy(PatientGroup))


class PatientIndexView(ScopedIndexView):
    prefetch = ("contacts", "tags")

    def search_queryset(self, queryset):
        """A search that reads as a contact address (a mobile number, openid, e-mail, hospital id) finds
        the patient through the addresses' blind index; anything else searches the names."""
        if self.is_searching:
            indexes = []
            for channel in ("sms", "wechat", "email", "webhook"):
                try:
                    indexes += lookup_indexes(channel, normalize_contact_address(channel, self.search_query))
                except ValueError:
                    continue
            if indexes:
                return queryset.filter(contacts__address_index__in=indexes).distinct()
        return super().search_queryset(queryset)


class PatientViewSet(ScopedModelViewSet):
    model = Patient
    icon = "user"
    menu_label = _("Patients")
    add_to_admin_menu = False
    index_view_class = PatientIndexView
    list_display = ["display_name", "tag_list", "masked_contacts", "preferred_language", "enrolled_on", "doctor"]
    list_filter = ["preferred_language", "enrolled_on"]
    search_fields = ["display_name"]
    inspect_view_enabled = False


class PatientGroupViewSet(ScopedModelViewSet):
    model = PatientGroup
    icon = "group"
    menu_label = _("Patient groups")
    add_to_admin_menu = False
    list_display = ["name", "kind", "member_count", "doctor"]
    search_fields = ["name"]
    inspect_view_enabled = False


class PatientsMenuGroup(ModelViewSetGroup):
    menu_label = _("Patients")
    menu_icon = "user"
    menu_order = 250
    items = (PatientViewSet("patients"), PatientGroupViewSet("patient_groups"))


@hooks.register("register_admin_viewset")
def register_patient_viewsets():
    return PatientsMenuGroup()


class PatientCsvForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8 or GBK (as saved by Excel); at most 20 MB."))
    doctor = forms.ModelChoiceField(queryset=DoctorProfile.objects.all(), required=False, label=_("Doctor"))
    skip_invalid = forms.BooleanField(required=False, label=_("Import the valid rows when some are invalid"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_see_all_patients(user):
            del self.fields["doctor"]  # a doctor imports into their own list


def _may_import(user) -> bool:
    return can_see_all_patients(user) or doctor_profile_of(user) is not None


def import_patients_view(request):
    """Upload a CSV file; a worker imports it and the result page follows its progress."""
    user = request.user
    if not _may_import(user):
        raise PermissionDenied
    form = PatientCsvForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        doctor = form.cleaned_data.get("doctor") or doctor_profile_of(user)
        upload = form.cleaned_data["file"]
        if doctor is None:
            form.add_error("doctor", _("Choose the doctor the patients belong to."))
        elif upload.size > MAX_FILE_BYTES:
            form.add_error(
                "file", _("The file is larger than %(size)d MB; split it.") % {"size": MAX_FILE_BYTES // 2**20}
            )
        else:
            with transaction.atomic():
                job = PatientImport.objects.create(
                    doctor=doctor,
                    uploaded_by=user,
                    file_name=(upload.name or "patients.csv")[:255],
                    data=upload.read(),
                    skip_invalid=form.cleaned_data["skip_invalid"],
                )
                enqueue_on_commit(
                    import_patients, job.pk, on_deferred=lambda: messages.warning(request, BROKER_DOWN_MESSAGE)
                )
            return redirect("patients_import_result", job.pk)
    recent = PatientImport.objects.filter(_visible_imports(user)).defer("data", "errors")[:10]
    columns = [(COLUMN_LABELS[name], aliases) for name, aliases in COLUMN_ALIASES.items()]
    return TemplateResponse(
        request, "patients/import_patients.html", {"form": form, "recent": recent, "columns": columns}
    )


def _visible_imports(user) -> Q:
    return Q() if can_see_all_patients(user) else Q(doctor=doctor_profile_of(user))


def _visible_import(request, import_id: int) -> PatientImport:
    if not _may_import(request.user):
        raise PermissionDenied
    return get_object_or_404(PatientImport.objects.filter(_visible_imports(request.user)).defer("data"), pk=import_id)


def import_result_view(request, import_id: int):
    """Progress while the worker imports (the page refreshes itself), then the result and its problems."""
    job = _visible_import(request, import_id)
    if request.method == "POST" and requeue(job):
        enqueue_on_commit(import_patients, job.pk, on_deferred=lambda: messages.warning(request, BROKER_DOWN_MESSAGE))
        return redirect("patients_import_result", job.pk)
    return TemplateResponse(
        request,
        "patients/import_result.html",
        {
            "job": job,
            "errors": job.errors[:200],
            "more_errors": max(0, len(job.errors) - 200),
        },
    )


def import_errors_view(request, import_id: int):
    job = _visible_import(request, import_id)
    response = HttpResponse(error_report_csv(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="patient-import-{job.pk}-problems.csv"'
    return response


@hooks.register("register_admin_urls")
def register_import_url():
    return [
        path("patients/import-csv/", import_patients_view, name="patients_import_csv"),
        path("patients/imports/<int:import_id>/", import_result_view, name="patients_import_result"),
        path("patients/imports/<int:import_id>/problems.csv", import_errors_view, name="patients_import_errors"),
    ]


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    class ImportMenuItem(MenuItem):
        def is_shown(self, request):
            return can_see_all_patients(request.user) or doctor_profile_of(request.user) is not None

    return ImportMenuItem(_("Import patients (CSV)"), reverse("patients_import_csv"), icon_name="upload", order=251)
