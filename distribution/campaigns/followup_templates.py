"""The studio's follow-up plan templates: hypertension, type 2 diabetes, post-operative care.

Content steps name an article *tag* rather than an article, so each doctor's
newest published article on the subject is sent (their own first). Loading
is idempotent: plans are matched by slug and steps by (day, time, kind).
"""

from __future__ import annotations

from datetime import time

from django.db import transaction

from .models import FollowUpPlan, FollowUpStep

__all__ = ["FOLLOWUP_TEMPLATES", "load_followup_templates"]

A, R, M = FollowUpStep.ARTICLE, FollowUpStep.REMINDER, FollowUpStep.MEDICATION

FOLLOWUP_TEMPLATES: list[dict] = [
    {
        "slug": "hypertension",
        "name": "高血压院外管理",
        "description": "新诊断或调整用药的高血压患者：90 天内的科普、自测血压提醒和每日服药提醒。",
        "channels": ["wechat", "sms", "email", "webhook"],
        "steps": [
            (A, 1, None, time(10, 0), "高血压", "", "", "", ""),
            (R, 3, None, time(9, 0), "", "今天请测量并记录血压", "Please measure and record your blood pressure today",
             "早晚各测一次，坐位休息5分钟后测量，记录在血压本上。",
             "Measure morning and evening after 5 minutes seated rest, and write the values down."),
            (A, 7, None, time(10, 0), "低盐饮食", "", "", "", ""),
            (R, 14, None, time(9, 0), "", "两周复诊提醒", "Two-week check-up reminder",
             "请带上血压记录到门诊复诊。", "Please bring your blood pressure log to your clinic visit."),
            (A, 30, None, time(10, 0), "高血压", "", "", "", ""),
            (R, 90, None, time(9, 0), "", "三个月复查提醒", "Three-month review reminder",
             "请预约复查血压、血脂和肾功能。", "Please book a review of blood pressure, lipids and kidney function."),
            (M, 0, 29, time(8, 0), "", "早晨降压药提醒", "Morning blood pressure medicine",
             "请按医嘱服用降压药，不要自行停药。", "Take your blood pressure medicine as prescribed; do not stop it on your own."),
        ],
    },
    {
        "slug": "type-2-diabetes",
        "name": "2型糖尿病院外管理",
        "description": "2型糖尿病患者：饮食运动科普、血糖监测和早晚服药提醒。",
        "channels": ["wechat", "sms", "email", "webhook"],
        "steps": [
            (A, 1, None, time(10, 0), "糖尿病", "", "", "", ""),
            (R, 3, None, time(9, 0), "", "血糖监测提醒", "Blood glucose check reminder",
             "今天请测空腹和餐后2小时血糖并记录。", "Today, measure fasting and 2-hour post-meal glucose and note them."),
            (A, 7, None, time(10, 0), "饮食", "", "", "", ""),
            (A, 14, None, time(10, 0), "运动", "", "", "", ""),
            (R, 30, None, time(9, 0), "", "一个月复诊提醒", "One-month check-up reminder",
             "请带血糖记录复诊，必要时复查糖化血红蛋白。", "Bring your glucose log to your visit; HbA1c may be checked."),
            (M, 0, 29, time(7, 30), "", "早餐前服药提醒", "Before-breakfast medicine",
             "请按医嘱服用降糖药或注射胰岛素。", "Take your diabetes medicine or insulin as prescribed."),
            (M, 0, 29, time(18, 0), "", "晚餐前服药提醒", "Before-dinner medicine",
             "请按医嘱服药，注意低血糖症状。", "Take your medicine as prescribed and watch for signs of low blood sugar."),
        ],
    },
    {
        "slug": "post-operative",
        "name": "术后院外管理",
        "description": "出院后第1、3、7、14、30天的伤口护理、康复科普和复查提醒。",
        "channels": ["wechat", "sms", "email", "webhook"],
        "steps": [
            (R, 1, None, time(9, 0), "", "术后第1天：伤口护理", "Day 1 after surgery: wound care",
             "保持伤口清洁干燥，如有发热、红肿、渗液请及时就医。",
             "Keep the wound clean and dry; seek care for fever, redness or discharge."),
            (A, 3, None, time(10, 0), "术后", "", "", "", ""),
            (R, 7, None, time(9, 0), "", "术后第7天：拆线或换药提醒", "Day 7: stitches or dressing change",
             "请按出院小结预约拆线或换药。", "Book your stitch removal or dressing change as your discharge letter says."),
            (A, 14, None, time(10, 0), "康复", "", "", "", ""),
            (R, 30, None, time(9, 0), "", "术后一个月复查", "One-month post-operative review",
             "请按约复查，如有不适提前就诊。", "Please attend your review; come earlier if you feel unwell."),
        ],
    },
]


@transaction.atomic
def load_followup_templates() -> list[FollowUpPlan]:
    plans = []
    for template in FOLLOWUP_TEMPLATES:
        plan, _created = FollowUpPlan.objects.update_or_create(
            slug=template["slug"],
            defaults={"name": template["name"], "description": template["description"],
                      "channels": template["channels"], "doctor": None},
        )
        for kind, day, until, at, tag, title_zh, title_en, text_zh, text_en in template["steps"]:
            FollowUpStep.objects.update_or_create(
                plan=plan, day_offset=day, send_time=at, kind=kind,
                defaults={"repeat_until_day": until, "article_tag": tag, "title_zh": title_zh, "title_en": title_en,
                          "text_zh": text_zh, "text_en": text_en, "respect_quiet_hours": kind != M},
            )
        plans.append(plan)
    return plans
