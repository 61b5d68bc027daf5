"""Patient groups: static lists and rule-based segments evaluated as querysets."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from distribution.patients.models import PatientGroup, patients_of_groups
from tests.builders import add_patient, static_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(people):
    doctor = people["doctor_a"].doctor_profile
    return {
        "htn_dm": add_patient(
            doctor, "甲", channels={"sms": "13800000001"}, tags=["高血压", "糖尿病"], enrolled_on=date(2026, 1, 10)
        ),
        "htn": add_patient(
            doctor, "乙", channels={"sms": "13800000002"}, tags=["高血压"], language="en", enrolled_on=date(2026, 2, 10)
        ),
        "post_op": add_patient(
            doctor, "丙", channels={"sms": "13800000003"}, tags=["术后"], enrolled_on=date(2026, 3, 10)
        ),
        "other_doctor": add_patient(
            people["doctor_b"].doctor_profile, "丁", channels={"sms": "13800000004"}, tags=["高血压"]
        ),
        "doctor": doctor,
    }


def names(queryset) -> list[str]:
    return sorted(queryset.values_list("display_name", flat=True))


def test_rule_tags_and_or_not_language_and_dates(cohort):
    doctor = cohort["doctor"]
    rule = PatientGroup(doctor=doctor, name="r", kind=PatientGroup.RULE)
    rule.required_tags = "高血压，糖尿病"
    assert names(rule.patients()) == ["甲"]
    rule.required_tags, rule.any_tags = "", "糖尿病、术后"
    assert names(rule.patients()) == ["丙", "甲"]
    rule.any_tags, rule.excluded_tags = "高血压", "糖尿病"
    assert names(rule.patients()) == ["乙"]
    rule.excluded_tags, rule.languages = "", "zh-hans"
    assert names(rule.patients()) == ["甲"]
    rule.any_tags, rule.languages = "", ""
    rule.enrolled_from, rule.enrolled_until = date(2026, 2, 1), date(2026, 3, 31)
    assert names(rule.patients()) == ["丙", "乙"]


def test_a_doctors_group_never_includes_another_doctors_patients(cohort):
    everyone_with_htn = PatientGroup(doctor=None, name="studio", any_tags="高血压")
    assert names(everyone_with_htn.patients()) == ["丁", "乙", "甲"]
    mine = PatientGroup(doctor=cohort["doctor"], name="mine", any_tags="高血压")
    assert names(mine.patients()) == ["乙", "甲"]
    smuggled = static_group(cohort["doctor"], "static", [cohort["htn"], cohort["other_doctor"]])
    assert names(smuggled.patients()) == ["乙"]


def test_union_of_groups_counts_each_patient_once(cohort):
    doctor = cohort["doctor"]
    a = PatientGroup.objects.create(doctor=doctor, name="a", any_tags="高血压")
    b = static_group(doctor, "b", [cohort["htn_dm"], cohort["post_op"]])
    assert names(patients_of_groups([a, b])) == ["丙", "乙", "甲"]


def test_invalid_rules_are_rejected(cohort):
    group = PatientGroup(
        doctor=cohort["doctor"],
        name="bad",
        languages="fr",
        enrolled_from=date(2026, 5, 1),
        enrolled_until=date(2026, 4, 1),
    )
    with pytest.raises(ValidationError) as error:
        group.full_clean()
    assert set(error.value.message_dict) == {"languages", "enrolled_until"}
