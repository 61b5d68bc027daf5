"""Join-page fixtures: a doctor with a published article, an invitation, and channels on the local fakes."""

from __future__ import annotations

import pytest

from distribution.campaigns.models import FollowUpPlan, FollowUpStep
from distribution.joining.models import Invitation
from distribution.patients.models import PatientGroup
from tests.builders import PUBLIC_BASE, join_config, publish_article


@pytest.fixture
def joining(settings, studio, people, sms_server, wechat_server):
    settings.KEPU_PUBLIC_BASE_URL = PUBLIC_BASE
    settings.KEPU_DISTRIBUTION = join_config(sms=sms_server, wechat=wechat_server)
    doctor = people["doctor_a"].doctor_profile
    article = publish_article(
        studio, people["doctor_a"], "高血压患者的日常饮食", english_title="Eating well with high blood pressure"
    )
    group = PatientGroup.objects.create(doctor=doctor, name="门诊高血压", kind=PatientGroup.STATIC)
    plan = FollowUpPlan.objects.create(
        name="高血压随访", slug="htn-join", doctor=doctor, channels=["sms", "wechat"], quiet_start=None, quiet_end=None
    )
    FollowUpStep.objects.create(
        plan=plan, kind=FollowUpStep.REMINDER, day_offset=7, title_zh="量血压", title_en="Check"
    )
    invitation = Invitation.objects.create(
        doctor=doctor,
        name="高血压随访",
        group=group,
        plan=plan,
        keywords="高血压, 糖尿病",
        frequency_zh="每周约1条",
        frequency_en="About one a week",
    )
    return {
        "doctor": doctor,
        "article": article,
        "group": group,
        "plan": plan,
        "invitation": invitation,
        "sms": sms_server,
        "wechat": wechat_server,
    }
