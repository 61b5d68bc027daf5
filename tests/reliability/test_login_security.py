"""Admin login: throttled per account and per address, optional TOTP (required by role when configured),
and the security headers of public and admin pages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from cms.core.studio_setup import EDITORS

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]
LOGIN = "/admin/login/"


def _login(client, username, password, address="10.0.0.1", **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra}, REMOTE_ADDR=address)


def _current_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the phone shows now (or ``steps_ahead`` periods later; the device accepts one step of drift)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def _forget_failures(device: TOTPDevice) -> None:
    """As if the person waited: django-otp throttles a device for a while after each wrong code."""
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def test_an_account_is_locked_after_five_wrong_passwords_with_a_clear_message(client, people):
    for _ in range(4):
        assert _login(client, "editor1", "wrong").status_code == 200  # the form again, with its error
    assert _login(client, "editor1", "wrong").status_code == 429  # the fifth locks the account
    locked = _login(client, "editor1", "pw-editor1", address="10.0.0.2")  # even the right password, elsewhere
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Login paused" in text or "登录已暂停" in text
    assert "15" in text  # minutes
    assert "_auth_user_id" not in client.session
    # Another account from another address is not affected.
    assert _login(client, "dr.a", "pw-dr.a", address="10.0.0.3").status_code == 302


def test_an_address_is_locked_after_five_wrong_passwords_for_any_accounts(client, people):
    for name in ["dr.a", "dr.b", "editor1", "outsider", "nobody"]:
        _login(client, name, "wrong", address="10.9.9.9")
    assert _login(client, "dr.a", "pw-dr.a", address="10.9.9.9").status_code == 429
    assert _login(client, "dr.a", "pw-dr.a", address="10.9.9.10").status_code == 302


def test_a_successful_login_resets_the_count(client, people):
    for _ in range(4):
        _login(client, "dr.b", "wrong")
    assert _login(client, "dr.b", "pw-dr.b").status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "dr.b", "wrong")
    assert _login(client, "dr.b", "pw-dr.b").status_code == 302


def test_turning_on_totp_then_logging_in_with_and_without_the_code(client, people):
    editor = people["editor"]
    client.force_login(editor)
    setup = client.get(reverse("kepu_two_factor_setup"))
    assert setup.status_code == 200 and b"data:image/svg+xml;base64," in setup.content
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    assert (
        client.post(
            reverse("kepu_two_factor_setup"), {"otp_token": "000000" if _current_code(device) != "000000" else "111111"}
        ).status_code
        == 200
    )
    _forget_failures(device)
    assert client.post(reverse("kepu_two_factor_setup"), {"otp_token": _current_code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    client.logout()

    without = _login(client, "editor1", "pw-editor1")
    assert without.status_code == 200 and "_auth_user_id" not in client.session
    wrong = _login(client, "editor1", "pw-editor1", otp_token="12345")
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    _forget_failures(device)
    # The code used at set-up cannot be replayed (django-otp keeps the last step used): take the next one.
    right = _login(client, "editor1", "pw-editor1", otp_token=_current_code(device, steps_ahead=1))
    assert right.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_wrong_codes_count_towards_the_lock_out(client, people):
    editor = people["editor"]
    device = TOTPDevice.objects.create(user=editor, name="phone", confirmed=True)
    for _ in range(5):
        _login(client, "editor1", "pw-editor1", address="10.1.1.1", otp_token="000001")
    assert (
        _login(client, "editor1", "pw-editor1", address="10.1.1.2", otp_token=_current_code(device)).status_code == 429
    )


def test_a_role_that_requires_totp_is_sent_to_the_set_up_page(client, people, settings):
    settings.KEPU_TWO_FACTOR_REQUIRED_FOR = [EDITORS]
    client.force_login(people["editor"])
    response = client.get("/admin/pages/")
    assert response.status_code == 302 and response["Location"] == reverse("kepu_two_factor_setup")
    client.force_login(people["doctor_a"])  # doctors are not required to
    assert client.get("/admin/").status_code == 200


def test_public_pages_get_a_strict_policy_and_the_admin_a_compatible_one(client, studio, people):
    home = client.get("/")
    policy = home["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert "camera=()" in home["Permissions-Policy"] and "geolocation=()" in home["Permissions-Policy"]
    html = home.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # no inline script on a public page
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handler
    client.force_login(people["editor"])
    admin = client.get("/admin/")
    assert "script-src 'self' 'unsafe-inline'" in admin["Content-Security-Policy"]


def test_check_deploy_is_clean_with_the_production_settings():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "kepu.settings.production",
            "SECRET_KEY": "x" * 20 + "-prod-key-" + "y" * 30,
            "ALLOWED_HOSTS": "kp.example.cn",
            "KEPU_FIELD_ENCRYPTION_KEY": "yRbmJq9d1m1GH7Nkq3Vb1HtM2gA2tTGyBq8gS7iYxJ0=",
            "LOG_LEVEL": "WARNING",
            "REDIS_URL": "redis://127.0.0.1:6379/15",
        }
    )  # workers share tokens and rate limits (campaigns.E002)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_no_public_template_has_inline_script_or_style():
    """The public pages' CSP allows neither (templates/500.html alone gets inline styles, and runs no script)."""
    public = [
        REPO / "templates",
        *sorted((REPO / "distribution").glob("*/templates")),
        *sorted((REPO / "cms").glob("*/templates")),
    ]
    offenders = []
    for folder in public:
        for template in folder.rglob("*.html"):
            if "admin" in template.parts or template.name in {"500.html"} or "wagtailadmin" in template.read_text():
                continue
            text = template.read_text(encoding="utf-8")
            if re.search(r"<style\b", text) or re.search(
                r"<script(?![^>]*\b(src|type=\"application/(ld\+)?json)\b)[^>]*>", text
            ):
                offenders.append(str(template.relative_to(REPO)))
    assert offenders == []
