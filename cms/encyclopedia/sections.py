"""The typed sections of an encyclopedia entry and where MedQuAD's answers go.

Patients look for the same things in the same order (what is it, how does it
feel, why, how is it found, how is it treated, how to avoid it, when to see a
doctor), so each section kind is its own block type rather than a free heading.
"""

from django.utils.translation import gettext_lazy as _

from cms.core.languages import ENGLISH, site_language

SECTION_KINDS: list[tuple[str, str, str]] = [
    # (kind, English heading, Chinese heading)
    ("overview", "Overview", "概述"),
    ("symptoms", "Symptoms", "症状"),
    ("causes", "Causes", "病因"),
    ("risk_factors", "Who is at risk", "易患人群"),
    ("inheritance", "Inheritance", "遗传方式"),
    ("genetics", "Genetic changes", "基因变化"),
    ("frequency", "How common is it", "发病情况"),
    ("diagnosis", "Diagnosis and tests", "诊断与检查"),
    ("treatment", "Treatment", "治疗"),
    ("prevention", "Prevention", "预防"),
    ("outlook", "Outlook", "预后"),
    ("complications", "Complications", "并发症"),
    ("stages", "Stages", "分期"),
    ("living_with", "Living with the condition", "日常注意事项"),
    ("research", "Research", "研究进展"),
    ("support", "Support", "支持与帮助"),
    ("when_to_see_doctor", "When to see a doctor", "何时就医"),
]

SECTION_LABELS = {kind: _(english) for kind, english, _chinese in SECTION_KINDS}
SECTION_HEADINGS = {kind: {"en": english, "zh-hans": chinese} for kind, english, chinese in SECTION_KINDS}

# MedQuAD question types → section kinds.
MEDQUAD_QTYPE_TO_SECTION = {
    "information": "overview",
    "symptoms": "symptoms",
    "causes": "causes",
    "susceptibility": "risk_factors",
    "inheritance": "inheritance",
    "genetic changes": "genetics",
    "frequency": "frequency",
    "exams and tests": "diagnosis",
    "treatment": "treatment",
    "prevention": "prevention",
    "outlook": "outlook",
    "complications": "complications",
    "stages": "stages",
    "considerations": "living_with",
    "research": "research",
    "support groups": "support",
}


def section_heading(kind: str, language: str) -> str:
    headings = SECTION_HEADINGS.get(kind, {})
    return headings.get(site_language(language, ENGLISH), kind)
