"""Admin screens for patients and patient groups, and the CSV upload view."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from cms.doctors.models import DoctorProfile

from .admin_views import ScopedIndexView, ScopedViewSetMixin, StudioStaffPermissionPolicy
from .csv_import import COLUMN_ALIASES, COLUMN_LABELS, CsvFileError, import_patients_csv
from .models import Patient, PatientGroup, can_see_all_patients, doctor_profile_of



# Doctors and editors by group membership, rows scoped per doctor (see admin_views).
register_permission_policy(Patient, StudioStaffPermissionPolicy(Patient))
register_permission_policy(PatientGroup, StudioStaffPermissionPolicy(PatientGroup))

class PatientIndexView(ScopedIndexView):
    prefetch = ("contacts", "tags")


class PatientViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Patient
    icon = "user"
    menu_label = _("Patients")
    add_to_admin_menu = False
    index_view_class = PatientIndexView
    list_display = ["display_name", "tag_list", "masked_contacts", "preferred_language", "enrolled_on", "doctor"]
    list_filter = ["preferred_language", "enrolled_on"]
    search_fields = ["display_name"]
    inspect_view_enabled = False


class PatientGroupViewSet(ScopedViewSetMixin, ModelViewSet):
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


def import_patients_view(request):
    """Upload a CSV file; the report lists every problem by line and column, never a patient's value."""
    user = request.user
    if not (can_see_all_patients(user) or doctor_profile_of(user)):
        raise PermissionDenied
    report = None
    form = PatientCsvForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        doctor = form.cleaned_data.get("doctor") or doctor_profile_of(user)
        if doctor is None:
            form.add_error("doctor", _("Choose the doctor the patients belong to."))
        else:
            try:
                report = import_patients_csv(doctor, form.cleaned_data["file"].read(),
                                             skip_invalid=form.cleaned_data["skip_invalid"])
            except CsvFileError as exc:
                form.add_error("file", str(exc))
            else:
                if report.imported and not report.errors:
                    messages.success(request, report.summary())
                    return redirect(reverse("patients:index"))
    columns = [(COLUMN_LABELS[name], aliases) for name, aliases in COLUMN_ALIASES.items()]
    return TemplateResponse(request, "patients/import_patients.html",
                            {"form": form, "report": report, "columns": columns})


@hooks.register("register_admin_urls")
def register_import_url():
    return [path("patients/import-csv/", import_patients_view, name="patients_import_csv")]


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    class ImportMenuItem(MenuItem):
        def is_shown(self, request):
            return can_see_all_patients(request.user) or doctor_profile_of(request.user) is not None

    return ImportMenuItem(_("Import patients (CSV)"), reverse("patients_import_csv"), icon_name="upload", order=251)
