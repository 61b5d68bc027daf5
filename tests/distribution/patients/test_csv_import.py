"""CSV import of patients: Excel's GBK files, BOMs, validation with a per-row report, all or nothing."""

from __future__ import annotations

import codecs
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from distribution.patients.csv_import import CsvFileError, import_patients_csv
from distribution.patients.models import ContactPoint, Patient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """These tests read the English source messages; test_patients_admin reads them in the admin's Chinese."""
    with translation.override("en"):
        yield


HEADER = "姓名,手机号,微信openid,邮箱,标签,语言,入组日期,同意短信,同意微信\r\n"
GOOD_ROWS = [
    "王建国,138 1234 5678,oAbcdefghijklmnopqrstu01,,高血压、糖尿病,中文,2026-03-01,是,2026-02-28\r\n",
    "Li Na,+86 139-0000-1111,,li@example.org,孕晚期,en,2026/03/05,yes,\r\n",
]


def write(tmp_path, text: str, encoding: str, name="patients.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_gbk_file_with_bad_rows_imports_nothing_and_reports_each_problem(tmp_path, people):
    bad = [
        "张三,12345678901,,,术后,中文,2026-03-01,是,\r\n",  # not a mobile number
        "李四,,,not-an-email,,中文,2026-13-01,,\r\n",  # bad e-mail, bad date
        ",13800000000,,,,,,,\r\n",  # no name
    ]
    path = write(tmp_path, HEADER + "".join(GOOD_ROWS + bad), "gbk")
    err = StringIO()
    with pytest.raises(CommandError, match=r"\(gb18030\): Nothing imported: 4 problem\(s\) in 5 row\(s\)"):
        call_command("import_patients", str(path), "--doctor", "dr.a", stderr=err)
    report = err.getvalue()
    assert "line 4, column mobile number: not a mainland China mobile number" in report
    assert "line 5, column e-mail: not a valid e-mail address" in report
    assert "line 5, column enrolment date: not a date" in report
    assert "line 6, column name: a name is required" in report
    assert "12345678901" not in report and "not-an-email" not in report  # values are never echoed
    assert Patient.objects.count() == 0


def test_skip_invalid_imports_the_good_rows(tmp_path, people):
    path = write(tmp_path, HEADER + "".join(GOOD_ROWS) + "张三,12345678901,,,,,,,\r\n", "gb18030")
    out, err = StringIO(), StringIO()
    call_command("import_patients", str(path), "--doctor", "dr.a", "--skip-invalid", stdout=out, stderr=err)
    assert "2 new patient(s)" in out.getvalue() and "1 invalid row skipped" in out.getvalue()
    wang = Patient.objects.get(display_name="王建国")
    assert wang.doctor.user.username == "dr.a"
    assert sorted(wang.tags.names()) == ["糖尿病", "高血压"]
    sms = wang.contacts.get(channel="sms")
    assert sms.address == "+8613812345678" and sms.consent_at is not None
    assert wang.contacts.get(channel="wechat").consent_at.date().isoformat() == "2026-02-28"
    li = Patient.objects.get(display_name="Li Na")
    assert li.preferred_language == "en" and li.enrolled_on.isoformat() == "2026-03-05"
    assert li.contacts.get(channel="email").consent_at is None  # no consent column for e-mail: no consent


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "utf-16"])
def test_utf8_with_or_without_bom_and_excel_unicode_text(tmp_path, people, encoding):
    text = HEADER + GOOD_ROWS[0]
    if encoding == "utf-16":
        text = text.replace(",", "\t")
    report = import_patients_csv(people["doctor_a"].doctor_profile, text.encode(encoding))
    assert report.imported and report.created == 1
    assert Patient.objects.get().display_name == "王建国"  # the BOM did not end up in the first header


def test_duplicates_are_merged_within_the_file_and_with_existing_patients(tmp_path, people):
    doctor = people["doctor_a"].doctor_profile
    rows = HEADER + GOOD_ROWS[0] + "王建国,13812345678,,wang@example.cn,冠心病,,,,\r\n"
    report = import_patients_csv(doctor, rows.encode("utf-8"))
    assert (report.created, report.merged_rows) == (1, 1)
    patient = Patient.objects.get()
    assert sorted(patient.tags.names()) == ["冠心病", "糖尿病", "高血压"]
    assert patient.contacts.count() == 3

    again = import_patients_csv(doctor, (HEADER + "王建国,+8613812345678,,,随访,,,,\r\n").encode("utf-8"))
    assert (again.created, again.updated) == (0, 1)
    assert Patient.objects.count() == 1 and "随访" in patient.tags.names()
    # Another doctor's identical patient list is theirs, not merged into dr.a's.
    import_patients_csv(people["doctor_b"].doctor_profile, (HEADER + GOOD_ROWS[0]).encode("utf-8"))
    assert Patient.objects.count() == 2


def test_conflicting_duplicate_rows_are_errors(people):
    rows = HEADER + GOOD_ROWS[0] + "王建国,13812345678,,,,en,,,\r\n"
    report = import_patients_csv(people["doctor_a"].doctor_profile, rows.encode("utf-8"))
    assert not report.imported
    assert [str(error) for error in report.errors] == [
        "line 3, column language: differs from line 2, which has the same contact address"
    ]


def test_unknown_columns_reject_the_file_even_with_skip_invalid(people):
    with pytest.raises(CsvFileError, match="unknown column “身份证号” \\(column 3\\)"):
        import_patients_csv(
            people["doctor_a"].doctor_profile, "姓名,手机号,身份证号\n张三,13800000000,x\n".encode(), skip_invalid=True
        )


def test_undecodable_file_gets_a_clear_error(people):
    with pytest.raises(CsvFileError, match="neither UTF-8 nor GBK"):
        import_patients_csv(people["doctor_a"].doctor_profile, codecs.BOM_UTF8[:2] + b"\xff\xfe\xfd\x80\x81")


def test_unknown_doctor_is_a_command_error(tmp_path, db):
    path = write(tmp_path, HEADER, "utf-8")
    with pytest.raises(CommandError, match="no user named “nobody”"):
        call_command("import_patients", str(path), "--doctor", "nobody")
    assert ContactPoint.objects.count() == 0
