"""The clinic poster of an invitation code as real files from the admin: A4/A5 PDF and PNG at 300 dpi.

Each file is opened as a print shop would (pypdf for the PDF page size and its picture, Pillow for the
PNG) and its QR code is decoded (zxing-cpp) to the code's join link.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import segno
import zxingcpp
from django.contrib.auth.models import Group
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from cms.doctors.models import DoctorProfile
from distribution.joining.models import Invitation
from distribution.joining.posters import MIN_MODULE_MM
from distribution.patients.models import DISTRIBUTORS

pytestmark = pytest.mark.django_db

MM_PER_INCH = 25.4


def poster_url(invitation, paper: str, kind: str, lang: str = "") -> str:
    return f"/admin/invitations/{invitation.pk}/poster/{paper}.{kind}" + (f"?lang={lang}" if lang else "")


def decode_qr(image: Image.Image):
    found = [item for item in zxingcpp.read_barcodes(image) if item.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(found) == 1, f"expected one QR code on the poster, found {len(found)}"
    return found[0]


def module_mm(image: Image.Image, result, url: str) -> float:
    """The printed size of one module: the symbol's width in pixels (zxing's corners) over its module count."""
    modules = len(segno.make(url, error="m", boost_error=True, micro=False).matrix)
    corners = result.position
    width_px = ((corners.top_right.x - corners.top_left.x) + (corners.bottom_right.x - corners.bottom_left.x)) / 2
    dpi = image.info["dpi"][0]
    return (width_px + 1) / modules * MM_PER_INCH / dpi


def speaks_english(user) -> None:
    """The admin speaks each user's language (Chinese by default); these messages are checked in English."""
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()


def red_pixels(image: Image.Image) -> int:
    top = (
        image.convert("RGB").crop((0, 0, image.width, image.height // 3)).resize((image.width // 4, image.height // 12))
    )
    return sum(1 for r, g, b in top.getdata() if r > 200 and g < 60 and b < 60)


@pytest.mark.parametrize(
    ("paper", "points", "pixels"), [("a4", (595, 842), (2480, 3508)), ("a5", (420, 595), (1748, 2480))]
)
def test_doctor_downloads_a_print_ready_poster_of_own_code(client, joining, people, paper, points, pixels):
    invitation = joining["invitation"]
    client.force_login(people["doctor_a"])
    page = client.get(f"/admin/invitations/{invitation.pk}/poster/")
    assert page.status_code == 200
    assert f'href="{poster_url(invitation, paper, "pdf", "zh-hans")}"' in page.content.decode()

    pdf = client.get(poster_url(invitation, paper, "pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == points
    assert "张医生" in reader.metadata.title and "高血压随访" in reader.metadata.title
    (embedded,) = reader.pages[0].images
    page_picture = embedded.image
    assert page_picture.size == pixels  # 300 dpi over the page
    assert decode_qr(page_picture).text == invitation.join_url

    png = client.get(poster_url(invitation, paper, "png"))
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    picture = Image.open(io.BytesIO(png.content))
    assert picture.format == "PNG" and picture.size == pixels and round(picture.info["dpi"][0]) == 300
    result = decode_qr(picture)
    assert result.text == invitation.join_url == f"https://kp.example.cn/join/{invitation.token}/"
    assert module_mm(picture, result, invitation.join_url) >= MIN_MODULE_MM  # scans from about 1 m
    assert red_pixels(picture) == 0  # no photo: the neutral placeholder


def test_a_doctor_gets_no_poster_of_another_doctors_code(client, joining, people):
    theirs = Invitation.objects.create(doctor=people["doctor_b"].doctor_profile, name="Dr Brown's code")
    client.force_login(people["doctor_a"])
    assert client.get(f"/admin/invitations/{theirs.pk}/poster/").status_code == 404
    assert client.get(poster_url(theirs, "a4", "pdf")).status_code == 404
    assert client.get(poster_url(theirs, "a5", "png")).status_code == 404


def test_distributor_prints_any_doctors_code_in_english_with_the_photo(client, joining, people, django_user_model):
    from wagtail.images.tests.utils import get_test_image_file

    from cms.illustrations.models import Illustration

    photo = Illustration.objects.create(
        title="张医生", file=get_test_image_file(colour="red", size=(400, 500)), alt_text="张医生"
    )
    DoctorProfile.objects.filter(pk=joining["doctor"].pk).update(
        photo=photo,
        name_en="Dr Zhang",
        title_en="Chief Physician",
        department_en="Cardiology",
        hospital_en="First Hospital",
    )
    operator = django_user_model.objects.create_user("distributor1", password="x", is_staff=True)
    operator.groups.add(Group.objects.get(name=DISTRIBUTORS))
    client.force_login(operator)
    invitation = joining["invitation"]

    pdf = client.get(poster_url(invitation, "a4", "pdf", "en"))
    assert pdf.status_code == 200
    title = PdfReader(io.BytesIO(pdf.content)).metadata.title
    assert "Dr Zhang" in title and "张医生" not in title
    png = client.get(poster_url(invitation, "a5", "png", "en"))
    picture = Image.open(io.BytesIO(png.content))
    assert decode_qr(picture).text == invitation.join_url
    assert red_pixels(picture) > 100  # the doctor's (red) photo is on the page


@pytest.mark.parametrize("state", ["revoked", "expired"])
def test_revoked_and_expired_codes_have_no_poster(client, joining, people, state):
    invitation = joining["invitation"]
    if state == "revoked":
        invitation.revoke()
    else:
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    speaks_english(people["doctor_a"])
    client.force_login(people["doctor_a"])
    for url in (
        f"/admin/invitations/{invitation.pk}/poster/",
        poster_url(invitation, "a4", "pdf"),
        poster_url(invitation, "a5", "png"),
        f"/admin/invitations/{invitation.pk}/qr.svg",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == f"/admin/invitations/edit/{invitation.pk}/"
    page = client.get(f"/admin/invitations/edit/{invitation.pk}/").content.decode()
    expected = "is revoked, so it has no poster" if state == "revoked" else "has expired, so it has no poster"
    assert expected in page
    assert "/poster/" not in client.get("/admin/invitations/").content.decode()


def test_unknown_paper_or_file_type_is_not_found(client, joining, people):
    client.force_login(people["doctor_a"])
    invitation = joining["invitation"]
    assert client.get(poster_url(invitation, "a3", "pdf")).status_code == 404
    assert client.get(poster_url(invitation, "a4", "svg")).status_code == 404
    assert client.get(poster_url(invitation, "a4", "png", "fr")).status_code == 200  # unknown language: Chinese


def test_a_photo_in_object_storage_is_on_the_poster(client, joining, people, s3_endpoint):
    """Production keeps media in S3 (a real S3 server here, moto): no local path, so the photo is copied."""
    from django.test import override_settings
    from wagtail.images.tests.utils import get_test_image_file

    from cms.illustrations.models import Illustration
    from tests.fakes.s3_server import s3_settings

    with override_settings(STORAGES=s3_settings(s3_endpoint)):
        photo = Illustration.objects.create(
            title="张医生", file=get_test_image_file(colour="red", size=(300, 300)), alt_text="张医生"
        )
        with pytest.raises(NotImplementedError):
            photo.file.path  # noqa: B018 - object storage has no local files
        DoctorProfile.objects.filter(pk=joining["doctor"].pk).update(photo=photo)
        client.force_login(people["doctor_a"])
        png = client.get(poster_url(joining["invitation"], "a5", "png"))
    assert png.status_code == 200 and red_pixels(Image.open(io.BytesIO(png.content))) > 100
