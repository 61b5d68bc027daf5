"""Patient contact addresses are encrypted at rest, still deduplicated and searchable by their doctor."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.urls import reverse

from distribution.patients.csv_import import import_patients_csv
from distribution.patients.models import ContactPoint, Patient
from tests.builders import add_patient

pytestmark = pytest.mark.django_db


def _stored(contact_pk: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT address, address_index FROM patients_contactpoint WHERE id = %s", [contact_pk])
        return cursor.fetchone()


def test_addresses_are_stored_as_ciphertext_and_read_back_in_clear(people):
    patient = add_patient(people["doctor_a"].doctor_profile, "李阿姨", channels={"sms": "+8613800138000"})
    contact = patient.contacts.get()
    stored, index = _stored(contact.pk)
    assert "13800138000" not in stored and stored.startswith("gAAAAA")
    assert len(index) == 64 and "13800138000" not in index
    assert ContactPoint.objects.get(pk=contact.pk).address == "+8613800138000"
    assert ContactPoint.objects.values_list("address", flat=True).get(pk=contact.pk) == "+8613800138000"
    with pytest.raises(TypeError):
        ContactPoint.objects.filter(address="+8613800138000").count()  # a plain lookup can never match ciphertext


def test_a_csv_import_still_recognises_existing_patients_by_address(people):
    doctor = people["doctor_a"].doctor_profile
    add_patient(doctor, "李阿姨", channels={"sms": "+8613800138000"})
    report = import_patients_csv(doctor, "姓名,手机号,标签\n李阿姨,138 0013 8000,高血压\n".encode())
    assert report.updated == 1 and report.created == 0 and Patient.objects.count() == 1


def test_the_doctor_finds_a_patient_by_phone_number_and_another_doctor_does_not(client, people):
    add_patient(people["doctor_a"].doctor_profile, "李阿姨", channels={"sms": "+8613800138000"})
    add_patient(people["doctor_a"].doctor_profile, "王先生", channels={"sms": "+8613900139000"})
    client.force_login(people["doctor_a"])
    page = client.get(reverse("patients:index"), {"q": "138-0013-8000"}).content.decode()
    assert "李阿姨" in page and "王先生" not in page
    assert "王先生" in client.get(reverse("patients:index"), {"q": "王先生"}).content.decode()  # names as before
    client.force_login(people["doctor_b"])
    assert "李阿姨" not in client.get(reverse("patients:index"), {"q": "13800138000"}).content.decode()


def test_the_data_migration_encrypts_rows_stored_in_clear(people):
    patient = add_patient(people["doctor_a"].doctor_profile, "李阿姨", channels={"email": "li@example.cn"})
    contact = patient.contacts.get()
    with connection.cursor() as cursor:  # as the row was before encryption
        cursor.execute(
            "UPDATE patients_contactpoint SET address = %s, address_index = '' WHERE id = %s",
            ["li@example.cn", contact.pk],
        )
    assert ContactPoint.objects.get(pk=contact.pk).address == "li@example.cn"  # legacy rows stay readable
    migration = importlib.import_module("distribution.patients.migrations.0003_encrypt_contact_addresses")
    migration.encrypt_existing_addresses(django_apps, None)
    stored, index = _stored(contact.pk)
    assert stored.startswith("gAAAAA") and index
    assert ContactPoint.objects.with_address("email", ["li@example.cn"]).get().pk == contact.pk


def _use_keys(settings, *keys: str) -> None:
    from distribution.patients import encryption

    settings.KEPU_FIELD_ENCRYPTION_KEYS = list(keys)
    encryption._keys.cache_clear()
    encryption._fernet.cache_clear()


@pytest.fixture
def restore_keys():
    from distribution.patients import encryption

    yield
    encryption._keys.cache_clear()
    encryption._fernet.cache_clear()


def test_rotating_the_key_keeps_every_patient_findable_and_retires_the_old_key(settings, people, restore_keys):
    from io import StringIO

    from cryptography.fernet import Fernet, InvalidToken
    from django.core.management import call_command

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    _use_keys(settings, old)
    doctor = people["doctor_a"].doctor_profile
    for i in range(7):
        add_patient(doctor, f"患者{i}", channels={"sms": f"+861380013800{i}", "email": f"p{i}@example.cn"})
    before = {pk: _stored(pk) for pk in ContactPoint.objects.values_list("pk", flat=True)}

    _use_keys(settings, new, old)  # step 1: the new key first, the old one kept
    assert ContactPoint.objects.with_address("sms", ["+8613800138003"]).get().patient.display_name == "患者3"
    report = import_patients_csv(doctor, "姓名,手机号\n患者4,13800138004\n".encode())
    assert report.updated == 1 and report.created == 0  # mid-rotation, a CSV still recognises the patient

    out = StringIO()
    call_command("rotate_contact_key", "--batch-size", "3", stdout=out)  # step 2
    assert "14" in out.getvalue()
    for pk, (token, index) in before.items():
        assert _stored(pk)[0] != token and _stored(pk)[1] != index
        with pytest.raises(InvalidToken):
            Fernet(old.encode()).decrypt(_stored(pk)[0].encode())
        Fernet(new.encode()).decrypt(_stored(pk)[0].encode())

    _use_keys(settings, new)  # step 3: the old key removed
    assert ContactPoint.objects.with_address("email", ["p5@example.cn"]).get().patient.display_name == "患者5"
    assert sorted(c.address for c in ContactPoint.objects.filter(channel="sms"))[0] == "+8613800138000"
    reimported = import_patients_csv(doctor, "姓名,手机号\n患者6,13800138006\n".encode())
    assert reimported.updated == 1 and Patient.objects.count() == 7

    call_command("rotate_contact_key", stdout=StringIO())  # a second run changes nothing that matters
    assert ContactPoint.objects.with_address("sms", ["+8613800138006"]).count() == 1
