"""Who uses the patient and campaign screens: doctors their own rows, the studio's staff every row."""

from __future__ import annotations

from cms.core.admin_scoping import ScopedPermissionPolicy

from .models import can_see_all_patients, doctor_profile_of

__all__ = ["StudioStaffPermissionPolicy", "SharedTemplatePermissionPolicy"]


class StudioStaffPermissionPolicy(ScopedPermissionPolicy):
    """Doctors manage their own rows, editors, distributors and superusers all rows; nobody else anything.

    Group membership decides rather than Django model permissions, so a new
    doctor needs no extra set-up beyond a doctor profile.
    """

    def may_use(self, user) -> bool:
        return can_see_all_patients(user) or doctor_profile_of(user) is not None

    def manages_every_row(self, user) -> bool:
        return can_see_all_patients(user)


class SharedTemplatePermissionPolicy(StudioStaffPermissionPolicy):
    """Studio templates (rows without a doctor) are read-only for doctors."""

    shared_rows_read_only = True
