"""Invitation codes and doctor profiles in the admin; the doctor homepage with its join code and counts."""

from __future__ import annotations

import re

import pytest
import segno

from cms.doctors.models import DoctorProfile
from distribution.joining.models import Invitation
from distribution.patients.models import PatientGroup
from distribution.sharing.models import ReadStat, share_link_for

pytestmark = pytest.mark.django_db


def test_doctor_sees_and_prints_only_their_own_codes(client, joining, people):
    mine = joining["invitation"]
    theirs = Invitation.objects.create(doctor=people["doctor_b"].doctor_profile, name="Dr Brown's code")
    client.force_login(people["doctor_a"])
    listing = client.get("/admin/invitations/").content.decode()
    assert "高血压随访" in listing and "Dr Brown&#x27;s code" not in listing and "Dr Brown's code" not in listing
    assert f'href="/admin/invitations/{mine.pk}/poster/"' in listing  # the poster files: test_poster_files.py
    assert client.get(f"/admin/invitations/{theirs.pk}/poster/").status_code == 404
    assert client.get(f"/admin/invitations/{theirs.pk}/edit/").status_code in (302, 403, 404)
    svg = client.get(f"/admin/invitations/{mine.pk}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    expected = segno.make(mine.join_url, error="m", boost_error=True, micro=False)
    assert svg.content.decode() == expected.svg_inline(scale=10, border=4)
    assert mine.join_url == f"https://kp.example.cn/join/{mine.token}/"


def test_doctor_creates_a_code_for_own_group_only(client, joining, people):
    client.force_login(people["doctor_a"])
    foreign = PatientGroup.objects.create(
        doctor=people["doctor_b"].doctor_profile, name="别人的组", kind=PatientGroup.STATIC
    )
    response = client.post(
        "/admin/invitations/new/",
        {
            "doctor": joining["doctor"].pk,
            "name": "别人的组",
            "group": foreign.pk,
            "keywords": "",
            "promise_zh": "",
            "promise_en": "",
            "frequency_zh": "",
            "frequency_en": "",
        },
    )
    assert response.status_code == 200 and not Invitation.objects.filter(group=foreign).exists()
    response = client.post(
        "/admin/invitations/new/",
        {
            "doctor": joining["doctor"].pk,
            "name": "术后第1周",
            "group": joining["group"].pk,
            "keywords": "术后",
            "promise_zh": "",
            "promise_en": "",
            "frequency_zh": "",
            "frequency_en": "",
        },
    )
    assert response.status_code == 302
    created = Invitation.objects.get(name="术后第1周")
    assert created.doctor == joining["doctor"] and re.fullmatch(r"[A-Za-z0-9_-]{16}", created.token)


def test_revoke_from_the_admin(client, joining, people):
    invitation = joining["invitation"]
    client.force_login(people["doctor_b"])
    assert client.post(f"/admin/invitations/{invitation.pk}/revoke/").status_code == 404
    client.force_login(people["doctor_a"])
    assert client.post(f"/admin/invitations/{invitation.pk}/revoke/").status_code == 302
    invitation.refresh_from_db()
    assert invitation.state == "revoked"
    assert client.get(invitation.join_path()).status_code == 410


def test_doctor_edits_only_own_profile(client, joining, people):
    own = people["doctor_a"].doctor_profile
    other = people["doctor_b"].doctor_profile
    client.force_login(people["doctor_a"])
    listing = client.get("/admin/doctor_profiles/").content.decode()
    assert "张医生" in listing and "Dr. Brown" not in listing
    assert client.get(f"/admin/doctor_profiles/edit/{other.pk}/").status_code in (302, 403, 404)
    page = client.get(f"/admin/doctor_profiles/edit/{own.pk}/")
    assert page.status_code == 200 and 'name="user"' not in page.content.decode()
    response = client.post(
        f"/admin/doctor_profiles/edit/{own.pk}/",
        {
            "name": "张医生",
            "title": "主任医师",
            "hospital": "第一医院",
            "department": "心内科",
            "name_en": "Dr Zhang",
            "title_en": "Chief Physician",
            "hospital_en": "First Hospital",
            "department_en": "Cardiology",
            "specialties": "高血压、心力衰竭",
            "specialties_en": "Hypertension, heart failure",
            "bio": "从事高血压防治。",
            "bio_en": "Treats high blood pressure.",
            "photo": "",
            "preferred_voice": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    own.refresh_from_db()
    assert own.specialties == "高血压、心力衰竭" and own.user == people["doctor_a"] and own.slug == "dr-zhang"


def test_homepage_shows_profile_join_code_counts_and_open_graph(client, joining):
    doctor = joining["doctor"]
    DoctorProfile.objects.filter(pk=doctor.pk).update(
        specialties="高血压、心力衰竭",
        specialties_en="Hypertension, heart failure",
        department="心内科",
        department_en="Cardiology",
        name_en="Dr Zhang",
    )
    article = joining["article"]
    link = share_link_for(article, "campaign:1")
    share_link_for(article, "welcome:1")
    ReadStat.objects.create(link=link, article=article, audience_key="campaign:1", day="2026-12-01", views=7)
    zh = client.get(f"/doctors/{doctor.slug}/").content.decode()
    assert "心力衰竭" in zh and "心内科" in zh
    assert re.search(r"data-article-stats>[^<]*7[^<]*2", zh)
    assert joining["invitation"].join_path() not in zh  # a code tied to a group and plan is not public
    general = Invitation.objects.create(doctor=doctor, name="门诊")
    zh = client.get(f"/doctors/{doctor.slug}/").content.decode()
    assert f'href="{general.join_path()}"' in zh and "<svg" in zh
    assert '<meta property="og:type" content="profile">' in zh and 'property="og:title" content="张医生' in zh
    en = client.get(f"/doctors/{doctor.slug}/?lang=en").content.decode()
    assert '<html lang="en">' in en and "Dr Zhang" in en and "Cardiology" in en and "Hypertension" in en
    general.revoke()
    assert general.join_path() not in client.get(f"/doctors/{doctor.slug}/").content.decode()


def test_invitations_command(joining):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    call_command("invitations", "create", "dr-zhang", "门诊报到", "--plan", "htn-join", "--days", "30", stdout=out)
    pk = int(out.getvalue().split("\t")[0])
    created = Invitation.objects.get(pk=pk)
    assert created.plan == joining["plan"] and created.expires_at is not None and created.is_usable
    with pytest.raises(CommandError):
        call_command("invitations", "create", "nobody", "x")
    call_command("invitations", "revoke", str(pk), stdout=StringIO())
    listing = StringIO()
    call_command("invitations", "list", "--doctor", "dr-zhang", stdout=listing)
    assert f"{pk}\tdr-zhang\t门诊报到\trevoked" in listing.getvalue()
