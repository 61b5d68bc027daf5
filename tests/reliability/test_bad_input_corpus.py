"""A seeded corpus of malformed requests, uploads and CSV rows against the public endpoints and the admin.

Every request is generated from ``SEED`` (the same corpus each run; change the seed to explore).
The test counts the status codes and fails on any server error, naming the requests that caused it.
"""

from __future__ import annotations

import io
import json
import random
from collections import Counter
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cms.core.studio_setup import DOCTORS, EDITORS
from distribution.sharing.models import create_share_link
from tests.builders import publish_sample_site
from tests.reliability.bad_input import random_junk

SEED = 20261202
MIN_REQUESTS = 1000
MIN_CSV_ROWS = 1000

FEED_FORMATS = ["rss.xml", "atom.xml", "feed.json", "rss.json", "feed.xml", ""]


def _segment(rng: random.Random) -> str:
    return quote(random_junk(rng), safe="") or "x"


def public_requests(rng: random.Random, token: str, doctor_slug: str, count: int):
    """(method, path, kwargs) for the pages, feeds, API, shared links, beacons and unsubscribe links."""
    makers = [
        lambda: ("get", f"/search/?q={quote(random_junk(rng))}&page={quote(random_junk(rng))}", {}),
        lambda: ("get", f"/search/?q=%E9%AB%98&lang={quote(random_junk(rng))}", {}),
        lambda: ("get", f"/{_segment(rng)}/", {}),
        lambda: ("get", f"/en/{_segment(rng)}/{_segment(rng)}/", {}),
        lambda: ("get", f"/doctors/{_segment(rng)}/", {}),
        lambda: ("get", f"/doctors/{doctor_slug}/?page={quote(random_junk(rng))}", {}),
        lambda: ("get", f"/s/{_segment(rng)}/", {}),
        lambda: ("get", f"/s/{token}/?lang={quote(random_junk(rng))}&print={quote(random_junk(rng))}", {}),
        lambda: ("get", f"/s/{token}/qr.{_segment(rng)}", {}),
        lambda: ("get", f"/s/{token}/qr.png?download={quote(random_junk(rng))}&size={quote(random_junk(rng))}", {}),
        lambda: (
            "post",
            f"/s/{rng.choice([token, _segment(rng)])}/events/",
            {
                "data": rng.choice(
                    [
                        random_junk(rng).encode("utf-8", "surrogatepass"),
                        json.dumps({"event": random_junk(rng)}).encode(),
                        json.dumps({"event": "read", "nonce": random_junk(rng)}).encode(),
                        b"\xff\xfe" * 50,
                        b"{" * 5000,
                        json.dumps([1, 2, 3]).encode(),
                    ]
                ),
                "content_type": rng.choice(["application/json", "text/plain", "multipart/form-data", random_junk(rng)]),
            },
        ),
        lambda: ("get", f"/s/{token}/events/", {}),
        lambda: ("get", f"/feeds/{rng.choice(FEED_FORMATS)}?page={quote(random_junk(rng))}", {}),
        lambda: ("get", f"/feeds/tags/{_segment(rng)}/{rng.choice(FEED_FORMATS)}", {}),
        lambda: ("get", f"/feeds/doctors/{_segment(rng)}/{rng.choice(FEED_FORMATS)}", {}),
        lambda: ("get", f"/feeds/encyclopedia/{_segment(rng)}/{rng.choice(FEED_FORMATS)}", {}),
        lambda: ("get", f"/feeds/en/{rng.choice(FEED_FORMATS)}", {}),
        lambda: ("get", f"/messages/unsubscribe/{_segment(rng)}/", {}),
        lambda: ("post", f"/messages/unsubscribe/{_segment(rng)}/", {"data": {"confirm": random_junk(rng)}}),
        lambda: ("get", f"/messages/reminders/{_segment(rng)}/", {}),
        lambda: (
            "get",
            f"/api/v2/pages/?{rng.choice(['offset', 'limit', 'search', 'search_operator', 'type', 'fields', 'order', 'child_of', 'descendant_of', 'id', 'locale', 'translation_of', 'tags', _segment(rng)])}={quote(random_junk(rng))}",
            {},
        ),
        lambda: ("get", f"/api/v2/pages/{_segment(rng)}/", {}),
        lambda: (
            "get",
            f"/api/v2/images/?{rng.choice(['offset', 'limit', 'search', 'order', 'fields', 'tags', 'title'])}={quote(random_junk(rng))}",
            {},
        ),
        lambda: ("get", f"/api/v2/pages/find/?html_path={quote(random_junk(rng))}", {}),
        lambda: ("get", f"/documents/{_segment(rng)}/{_segment(rng)}", {}),
        lambda: ("get", f"/media/{_segment(rng)}", {}),
        lambda: ("post", "/", {"data": {random_junk(rng): random_junk(rng)}}),
        lambda: (
            "get",
            "/",
            {"HTTP_ACCEPT_LANGUAGE": random_junk(rng), "HTTP_HOST": rng.choice(["testserver", "testserver:99999"])},
        ),
        lambda: ("get", "/admin/login/", {"QUERY_STRING": f"next={quote(random_junk(rng))}"}),
        lambda: (
            "post",
            "/admin/login/",
            {
                "data": {"username": random_junk(rng), "password": random_junk(rng), "otp_token": random_junk(rng)},
                "REMOTE_ADDR": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            },
        ),
    ]
    for _ in range(count):
        yield rng.choice(makers)()


def malformed_csv(rng: random.Random, rows: int) -> tuple[bytes, int]:
    """A patient CSV whose rows are mostly malformed (bad phones, dates, encodings, cell counts, quotes)."""
    header = rng.choice(
        [
            "姓名,手机号,微信openid,邮箱,住院号,标签,语言,时区,入组日期,同意短信",
            "name,mobile,openid,email,hospital_id,tags,language,time_zone,enrolled_on,consent_sms",
            "name,mobile,mobile",
            "姓名;手机号;邮箱",
            "\ufeff姓名\t手机号\t邮箱",
            random_junk(rng).replace("\x00", ""),
        ]
    )
    lines = [header]
    for _ in range(rows):
        cells = [
            random_junk(rng)
            if rng.random() < 0.5
            else rng.choice(
                ["张三", "+86 138 0013 8000", "13800138000", "x@y", "2025-13-45", "同意", "zh", "Mars/Olympus", ""]
            )
            for _ in range(rng.randrange(0, 14))
        ]
        line = ",".join(cells)
        if rng.random() < 0.1:
            line = '"' + line  # an unterminated quote
        lines.append(line)
    text = "\n".join(lines)
    encoding = rng.choice(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"])
    data = (
        text.encode(encoding, errors="replace")
        if encoding != "latin-1"
        else text.encode("utf-8")[: rng.randrange(1, 4000)]
    )
    return data, rows


def malformed_image(rng: random.Random) -> tuple[str, bytes]:
    from PIL import Image

    kind = rng.randrange(6)
    if kind == 0:
        return rng.choice(["a.png", "b.jpg", "c.gif", "d.svg", "e.exe", "f"]), bytes(
            rng.randrange(256) for _ in range(rng.randrange(0, 2000))
        )
    buffer = io.BytesIO()
    Image.new("RGB", (rng.randrange(1, 60), rng.randrange(1, 60)), "teal").save(buffer, format="PNG")
    data = buffer.getvalue()
    if kind == 1:
        return "truncated.png", data[: rng.randrange(8, len(data))]
    if kind == 2:
        return "wrong-extension.gif", data
    if kind == 3:
        return "../../../" + random_junk(rng)[:50] + ".png", data
    if kind == 4:
        return (
            "bomb.png",
            b"\x89PNG\r\n\x1a\n"
            + b"\x00\x00\x00\rIHDR\x00\x01\x00\x00\x00\x01\x00\x00\x08\x02\x00\x00\x00"
            + data[33:],
        )
    return "fine.png", data


def admin_requests(rng: random.Random, count: int):
    makers = [
        lambda: ("get", f"/admin/pages/search/?q={quote(random_junk(rng))}&p={quote(random_junk(rng))}", {}),
        lambda: (
            "get",
            f"/admin/patients/?q={quote(random_junk(rng))}&p={quote(random_junk(rng))}&ordering={quote(random_junk(rng))}",
            {},
        ),
        lambda: ("get", f"/admin/patient_groups/?q={quote(random_junk(rng))}", {}),
        lambda: (
            "get",
            f"/admin/distribution_campaigns/?state={quote(random_junk(rng))}&p={quote(random_junk(rng))}",
            {},
        ),
        lambda: ("get", f"/admin/deliveries/?state={quote(random_junk(rng))}&channel={quote(random_junk(rng))}", {}),
        lambda: (
            "get",
            f"/admin/images/?q={quote(random_junk(rng))}&collection_id={quote(random_junk(rng))}&p={quote(random_junk(rng))}",
            {},
        ),
        lambda: ("get", f"/admin/{_segment(rng)}/", {}),
        lambda: ("get", f"/admin/pages/{rng.choice([_segment(rng), str(2**63)])}/edit/", {}),
        lambda: ("get", f"/admin/distribution/campaigns/{rng.choice(['0', '99999999', str(2**40)])}/report/", {}),
        lambda: (
            "post",
            "/admin/patients/add/",
            {
                "data": {
                    "display_name": random_junk(rng),
                    "time_zone": random_junk(rng),
                    "preferred_language": random_junk(rng),
                    "enrolled_on": random_junk(rng),
                    "contacts-TOTAL_FORMS": random_junk(rng),
                }
            },
        ),
        lambda: (
            "post",
            "/admin/patient_groups/add/",
            {
                "data": {
                    "name": random_junk(rng),
                    "kind": random_junk(rng),
                    "languages": random_junk(rng),
                    "enrolled_from": random_junk(rng),
                }
            },
        ),
        lambda: (
            "post",
            "/admin/distribution_campaigns/add/",
            {
                "data": {
                    "name": random_junk(rng),
                    "article": random_junk(rng),
                    "channels": random_junk(rng),
                    "scheduled_at": random_junk(rng),
                }
            },
        ),
        lambda: (
            "post",
            reverse("patients_import_csv"),
            {
                "data": {
                    "file": SimpleUploadedFile("patients.csv", malformed_csv(rng, 3)[0], content_type="text/csv"),
                    "skip_invalid": rng.choice(["on", ""]),
                }
            },
        ),
    ]
    for _ in range(count):
        yield rng.choice(makers)()


def _send(client: Client, method: str, path: str, kwargs: dict):
    kwargs = dict(kwargs)
    data = kwargs.pop("data", None)
    content_type = kwargs.pop("content_type", None)
    if method == "get":
        return client.get(path, **kwargs)
    if content_type is not None:
        return client.post(path, data=data, content_type=content_type, **kwargs)
    return client.post(path, data=data or {}, **kwargs)


@pytest.mark.django_db
def test_malformed_requests_uploads_and_csv_rows_never_get_a_server_error(settings):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    settings.AXES_ENABLED = False  # the corpus posts hundreds of logins; throttling is tested on its own
    settings.KEPU_MEDIA_RENDER_ON_PUBLISH = False
    site = publish_sample_site()
    doctor_user = site.doctor.user
    doctor_user.groups.add(Group.objects.get(name=DOCTORS))
    editor_user = get_user_model().objects.create_user("editor1", password="pw-editor1")
    editor_user.groups.add(Group.objects.get(name=EDITORS))
    token = create_share_link(site.article_zh).token
    rng = random.Random(SEED)
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    csv_rows = 0

    def run(client: Client, method: str, path: str, kwargs: dict) -> None:
        try:
            response = _send(client, method, path, kwargs)
        except Exception as exc:  # the test client raising is a server error the request caused
            statuses[500] += 1
            failures.append(f"{method.upper()} {path[:200]} → {type(exc).__name__}: {str(exc)[:200]}")
            return
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            failures.append(f"{method.upper()} {path[:200]} → {response.status_code}")

    public = Client(raise_request_exception=True)
    for request in public_requests(rng, token, site.doctor.slug, 800):
        run(public, *request)

    doctor = Client(raise_request_exception=True)
    doctor.force_login(doctor_user)
    for request in admin_requests(rng, 200):
        run(doctor, *request)

    editor = Client(raise_request_exception=True)
    editor.force_login(editor_user)
    for _ in range(40):  # hostile illustration uploads
        name, content = malformed_image(rng)
        run(
            editor,
            "post",
            reverse("wagtailimages:add"),
            {
                "data": {
                    "title": random_junk(rng)[:200],
                    "alt_text": random_junk(rng)[:200],
                    "source": random_junk(rng)[:200],
                    "licence": "CC BY 4.0",
                    "collection": rng.choice(["1", random_junk(rng)]),
                    "file": SimpleUploadedFile(name[:200] or "x", content),
                }
            },
        )
    for _ in range(25):  # whole files of malformed patient rows, imported through the admin
        data, rows = malformed_csv(rng, rng.randrange(30, 60))
        csv_rows += rows
        run(
            doctor,
            "post",
            reverse("patients_import_csv"),
            {"data": {"file": SimpleUploadedFile("patients.csv", data, content_type="text/csv"), "skip_invalid": "on"}},
        )

    total = sum(statuses.values())
    print(
        f"\nbad-input corpus (seed {SEED}): {total} requests, {csv_rows} malformed CSV rows; "
        f"status codes {dict(sorted(statuses.items()))}; server errors: {len(failures)}"
    )
    assert total >= MIN_REQUESTS and csv_rows >= MIN_CSV_ROWS
    assert not failures, "\n".join(failures[:40])
    assert statuses[200] and sum(n for code, n in statuses.items() if 400 <= code < 500)  # both kinds were exercised
