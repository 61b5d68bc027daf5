"""Operator commands for invitation codes: list (with scans and joins), create, revoke."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cms.doctors.models import DoctorProfile
from distribution.campaigns.models import FollowUpPlan
from distribution.joining.models import Invitation
from distribution.patients.models import PatientGroup


class Command(BaseCommand):
    help = "List, create or revoke a doctor's invitation codes (扫码报到)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list")
        listing.add_argument("--doctor", help="the doctor's homepage slug")
        create = sub.add_parser("create")
        create.add_argument("doctor", help="the doctor's homepage slug")
        create.add_argument("name")
        create.add_argument("--group", type=int, help="id of a static patient group of this doctor")
        create.add_argument("--plan", help="slug of a follow-up plan")
        create.add_argument("--keywords", default="")
        create.add_argument("--days", type=int, help="valid for this many days")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("id", type=int)

    def handle(self, *args, **options):
        getattr(self, f"_{options['action']}")(options)

    def _list(self, options):
        invitations = Invitation.objects.select_related("doctor").order_by("doctor__slug", "-created_at")
        if options.get("doctor"):
            invitations = invitations.filter(doctor__slug=options["doctor"])
        for item in invitations:
            self.stdout.write(
                f"{item.pk}\t{item.doctor.slug}\t{item.name}\t{item.state}\tscans {item.scans}\t"
                f"joins {item.joins}\t{item.join_url}"
            )

    def _create(self, options):
        doctor = DoctorProfile.objects.filter(slug=options["doctor"]).first()
        if doctor is None:
            raise CommandError(f"no doctor with the homepage slug {options['doctor']!r}")
        group = plan = None
        if options.get("group"):
            group = PatientGroup.objects.filter(pk=options["group"], doctor=doctor, kind=PatientGroup.STATIC).first()
            if group is None:
                raise CommandError("the group must be a static group of this doctor")
        if options.get("plan"):
            plan = FollowUpPlan.objects.filter(slug=options["plan"]).first()
            if plan is None or plan.doctor_id not in (None, doctor.pk):
                raise CommandError("no follow-up plan with that slug that this doctor may use")
        expires_at = timezone.now() + timedelta(days=options["days"]) if options.get("days") else None
        invitation = Invitation.objects.create(
            doctor=doctor,
            name=options["name"],
            group=group,
            plan=plan,
            keywords=options["keywords"],
            expires_at=expires_at,
        )
        self.stdout.write(f"{invitation.pk}\t{invitation.join_url}")

    def _revoke(self, options):
        invitation = Invitation.objects.filter(pk=options["id"]).first()
        if invitation is None:
            raise CommandError(f"no invitation code {options['id']}")
        invitation.revoke()
        self.stdout.write(f"revoked {invitation.pk} ({invitation.name})")
