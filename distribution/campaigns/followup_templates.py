"""The studio's follow-up plan templates for the conditions doctors follow up most.

Each plan is a day-offset schedule of health education, check-up reminders
and (where daily medicine is the rule) medication reminders, in Chinese and
English. Every plan follows the named Chinese guideline in ``guideline``;
the sentences are the studio's own wording of that advice, kept short and
plain for patients, and never a dose: doses are the treating doctor's. The
ICD-10 codes link each reminder page to the encyclopedia entries of the
condition.

Article steps name a tag rather than an article, so each doctor's newest
published article on the subject is sent (their own first). Loading is
idempotent: plans are matched by slug and steps by (day, time, kind); a
step removed from a template here is removed from the studio's copy too.
"""

from __future__ import annotations

from datetime import time

from django.db import transaction

from cms.core.languages import language_family

from .models import FollowUpPlan, FollowUpStep

__all__ = ["FOLLOWUP_TEMPLATES", "load_followup_templates", "plan_name"]

A, E, R, M = FollowUpStep.ARTICLE, FollowUpStep.EDUCATION, FollowUpStep.REMINDER, FollowUpStep.MEDICATION
ALL_CHANNELS = ["wechat", "sms", "email", "webhook"]


def step(kind, day, title_zh, title_en, text_zh="", text_en="", *, until=None, at=time(9, 0), tag=""):
    return {
        "kind": kind,
        "day": day,
        "until": until,
        "at": at,
        "tag": tag,
        "title_zh": title_zh,
        "title_en": title_en,
        "text_zh": text_zh,
        "text_en": text_en,
    }


def article(day, tag, *, at=time(10, 0)):
    return step(A, day, "", "", at=at, tag=tag)


FOLLOWUP_TEMPLATES: list[dict] = [
    {
        "slug": "hypertension",
        "name": "高血压院外管理",
        "name_en": "Hypertension follow-up",
        "description": "新诊断或调整用药的高血压患者：90 天内的家庭血压监测、限盐和服药提醒。",
        "icd10_codes": "I10",
        "guideline": "中国高血压防治指南修订委员会等.《中国高血压防治指南（2018年修订版）》; "
        "国家心血管病中心等.《国家基层高血压防治管理指南2020版》",
        "steps": [
            step(
                E,
                0,
                "家庭测血压的方法",
                "How to measure blood pressure at home",
                "用上臂式电子血压计。测量前半小时不吸烟、不喝咖啡，排空小便，坐着安静休息5分钟。"
                "袖带与心脏同高，每次连测2到3遍，间隔1分钟，记下平均值。",
                "Use an upper-arm electronic monitor. For half an hour before, do not smoke or drink coffee; "
                "empty your bladder and sit quietly for 5 minutes. Keep the cuff at heart level, take 2 to 3 "
                "readings one minute apart and write down the average.",
            ),
            step(
                M,
                0,
                "降压药服药提醒",
                "Blood pressure medicine reminder",
                "请按医嘱按时服用降压药。血压正常了也不要自行停药或减量，有不适先问医生。",
                "Take your blood pressure medicine on time as prescribed. Do not stop or cut it down on your "
                "own when your readings are normal; ask your doctor first if something feels wrong.",
                until=29,
                at=time(8, 0),
            ),
            step(
                R,
                1,
                "本周每天早晚各测一次血压",
                "Measure morning and evening this week",
                "连续7天，早上起床后1小时内（服药前、早饭前）和晚上睡前各测一次，复诊时带上记录。",
                "For 7 days, measure within an hour of getting up (before medicine and breakfast) and again "
                "at bedtime. Bring the log to your next visit.",
            ),
            step(
                E,
                3,
                "每天吃盐不超过5克",
                "No more than 5 g of salt a day",
                "5克盐大约是一个啤酒瓶盖平铺的量。酱油、咸菜、腊肉、方便面里也有很多盐，做菜少放，少吃腌制食品。",
                "5 g of salt is about one level beer-bottle cap. Soy sauce, pickles, cured meat and instant "
                "noodles are salty too: cook with less and eat fewer preserved foods.",
            ),
            article(7, "高血压"),
            step(
                E,
                10,
                "动起来，控体重，戒烟限酒",
                "Move more, watch your weight, quit smoking",
                "每周4到7天、每次30到60分钟的快走、慢跑或游泳等中等强度运动。吸烟请戒烟，尽量不喝酒。",
                "Aim for 30 to 60 minutes of moderate activity such as brisk walking, jogging or swimming on "
                "4 to 7 days a week. If you smoke, stop; drink as little alcohol as possible.",
            ),
            step(
                R,
                14,
                "两周复诊提醒",
                "Two-week check-up reminder",
                "请带上血压记录和正在吃的药到门诊复诊，医生会根据记录调整治疗。",
                "Please bring your blood pressure log and your medicines to the clinic; your doctor adjusts "
                "treatment from the readings.",
            ),
            step(
                E,
                30,
                "血压控制目标",
                "Your blood pressure target",
                "多数患者家庭血压应低于135/85 mmHg（诊室血压低于140/90 mmHg），能耐受的可以控制得更低，具体目标听医生的。",
                "For most people home readings should stay below 135/85 mmHg (below 140/90 mmHg in the "
                "clinic), and lower if you tolerate it; your doctor sets your own target.",
            ),
            step(
                R,
                90,
                "三个月复查提醒",
                "Three-month review reminder",
                "请预约复查血压，并按医生安排检查血脂、血糖和肾功能。",
                "Please book a blood pressure review; your doctor may also check lipids, glucose and kidney function.",
            ),
        ],
    },
    {
        "slug": "type-2-diabetes",
        "name": "2型糖尿病院外管理",
        "name_en": "Type 2 diabetes follow-up",
        "description": "2型糖尿病患者：血糖监测、饮食运动、低血糖处理、足部护理和复查提醒。",
        "icd10_codes": "E11",
        "guideline": "中华医学会糖尿病学分会.《中国2型糖尿病防治指南（2020年版）》",
        "steps": [
            step(
                E,
                0,
                "认识血糖目标",
                "Know your glucose targets",
                "多数成年患者的目标是：空腹血糖4.4–7.0 mmol/L，非空腹血糖低于10.0 mmol/L，糖化血红蛋白低于7%。"
                "老年或容易低血糖的患者目标会放宽，以医生的安排为准。",
                "For most adults the targets are fasting glucose 4.4–7.0 mmol/L, glucose below 10.0 mmol/L at "
                "other times, and HbA1c below 7%. Targets are looser for older people or those prone to lows; "
                "follow your doctor's plan.",
            ),
            step(
                M,
                0,
                "早餐前服药提醒",
                "Before-breakfast medicine",
                "请按医嘱服用降糖药或注射胰岛素，用药后按时吃饭。",
                "Take your diabetes tablets or insulin as prescribed, then eat on time.",
                until=29,
                at=time(7, 30),
            ),
            step(
                R,
                2,
                "今天测一次空腹和餐后血糖",
                "Check fasting and after-meal glucose today",
                "早饭前测空腹血糖，从吃第一口饭开始计时2小时测餐后血糖，记在本子上。",
                "Measure before breakfast, and 2 hours after the first bite of a meal; write both down.",
            ),
            step(
                E,
                4,
                "低血糖怎么办",
                "What to do about low blood sugar",
                "出现心慌、出汗、手抖、饥饿感，或血糖低于3.9 mmol/L时，马上吃15–20克含糖食物，比如半杯果汁或3到4块方糖，"
                "15分钟后再测。仍然偏低就再吃一次，并联系医生。",
                "If you feel shaky, sweaty, your heart races or you are suddenly hungry, or glucose is below "
                "3.9 mmol/L, take 15–20 g of sugar at once, such as half a glass of juice or 3–4 sugar "
                "cubes, and check again after 15 minutes. Still low: take sugar again and call your doctor.",
            ),
            article(7, "糖尿病"),
            step(
                E,
                10,
                "吃饭的顺序和份量",
                "Meal order and portions",
                "主食定量，粗细搭配；先吃蔬菜，再吃肉蛋豆类，最后吃主食；少喝含糖饮料。",
                "Keep staple food to a set amount and mix in whole grains; eat vegetables first, then meat, "
                "eggs or beans, and the staple last; avoid sugary drinks.",
            ),
            step(
                E,
                14,
                "每天看看自己的脚",
                "Look at your feet every day",
                "每天用温水洗脚，水温用手肘试，不要用脚试；擦干脚趾缝；发现破皮、水疱或颜色变化要及时就医。",
                "Wash your feet daily in warm water tested with your elbow, not your foot; dry between the "
                "toes; see a doctor promptly for any broken skin, blister or change of colour.",
            ),
            step(
                R,
                30,
                "一个月复诊提醒",
                "One-month check-up reminder",
                "请带血糖记录复诊，医生会看是否需要调整用药。",
                "Bring your glucose log to your visit; your doctor checks whether treatment needs changing.",
            ),
            step(
                R,
                90,
                "三个月查糖化血红蛋白",
                "Three-month HbA1c check",
                "糖化血红蛋白反映近2到3个月的平均血糖，建议每3个月查一次，达标稳定后可半年一次。每年还要查眼底和尿白蛋白。",
                "HbA1c shows your average glucose over 2–3 months: check it every 3 months, or every 6 once "
                "stable. Also have your eyes and urine albumin checked every year.",
            ),
        ],
    },
    {
        "slug": "coronary-heart-disease",
        "name": "冠心病院外管理",
        "name_en": "Coronary heart disease follow-up",
        "description": "稳定性冠心病或心绞痛患者：胸痛识别、长期用药、血脂管理和复诊提醒。",
        "icd10_codes": "I20, I25",
        "guideline": "中华医学会心血管病学分会.《稳定性冠心病诊断与治疗指南》（2018）; "
        "国家卫生计生委合理用药专家委员会等.《冠心病合理用药指南（第2版）》（2018）",
        "steps": [
            step(
                E,
                0,
                "胸痛时这样做",
                "What to do when chest pain comes",
                "立即停下休息，坐下或半躺。医生给您开了硝酸甘油的，舌下含服1片；5分钟不缓解或越来越重，马上拨打120，不要自己走去医院。",
                "Stop and rest at once, sitting or half lying. If your doctor prescribed nitroglycerin, put one "
                "tablet under your tongue. If the pain is not better in 5 minutes or gets worse, call 120 "
                "straight away; do not walk to hospital on your own.",
            ),
            step(
                M,
                0,
                "冠心病长期用药提醒",
                "Heart medicine reminder",
                "抗血小板药、他汀等需要长期按时吃，不要因为没有症状就自己停药；要拔牙或做手术时先告诉医生。",
                "Antiplatelet medicine and statins are for the long term: take them on time and do not stop "
                "because you feel well. Tell the doctor before dental work or surgery.",
                until=29,
                at=time(8, 0),
            ),
            article(3, "冠心病"),
            step(
                E,
                7,
                "护心饮食",
                "Eating for your heart",
                "少吃肥肉、动物内脏和油炸食品，多吃蔬菜、水果、全谷物和鱼，每天盐不超过5克。",
                "Eat less fatty meat, offal and fried food; eat more vegetables, fruit, whole grains and fish; "
                "keep salt to 5 g a day.",
            ),
            step(
                E,
                14,
                "安全地运动",
                "Exercising safely",
                "病情稳定后，在医生评估下循序渐进地快走等有氧运动，运动中出现胸闷、胸痛要立即停止。一定要戒烟。",
                "Once stable and cleared by your doctor, build up gradually with aerobic exercise such as brisk "
                "walking; stop at once if you feel chest tightness or pain. Stopping smoking is essential.",
            ),
            step(
                R,
                30,
                "一个月复诊与血脂复查",
                "One-month visit and lipid check",
                "请按约复诊，医生会复查血脂，看低密度脂蛋白胆固醇是否达到为您定的目标。",
                "Please keep your appointment; your doctor rechecks your lipids to see whether LDL cholesterol "
                "has reached the target set for you.",
            ),
            step(
                R,
                90,
                "三个月复查提醒",
                "Three-month review reminder",
                "请复查血压、血脂、血糖，和医生一起看看用药是否合适。",
                "Please have blood pressure, lipids and glucose rechecked and review your medicines with your doctor.",
            ),
        ],
    },
    {
        "slug": "heart-failure",
        "name": "心力衰竭院外管理",
        "name_en": "Heart failure follow-up",
        "description": "心衰出院患者：每日称体重、限盐限水、识别加重和出院后早期随访。",
        "icd10_codes": "I50",
        "guideline": "中华医学会心血管病学分会心力衰竭学组等.《中国心力衰竭诊断和治疗指南2018》",
        "steps": [
            step(
                R,
                1,
                "每天早上称体重",
                "Weigh yourself every morning",
                "每天早上排尿后、早饭前，穿差不多的衣服称体重并记录。3天内体重增加超过2公斤，请及时联系医生。",
                "Every morning after passing urine and before breakfast, in similar clothes, weigh yourself "
                "and note it. If you gain more than 2 kg within 3 days, contact your doctor promptly.",
                until=30,
                at=time(7, 30),
            ),
            step(
                M,
                1,
                "心衰用药提醒",
                "Heart failure medicine reminder",
                "请按医嘱按时服药，利尿剂、降压类药物不要自己加减或停用。",
                "Take your medicines on time as prescribed; do not change or stop diuretics or blood "
                "pressure medicines on your own.",
                until=30,
                at=time(8, 0),
            ),
            step(
                E,
                2,
                "限盐，按医生要求控制喝水",
                "Less salt, and fluids as your doctor says",
                "饭菜清淡少盐，少吃腌制食品。病情较重的患者每天喝水和汤的总量常要控制在1.5到2升，具体听医生的。",
                "Keep food low in salt and avoid preserved foods. People with more severe heart failure are "
                "often asked to keep all drinks and soups to 1.5–2 litres a day; follow your doctor's advice.",
            ),
            step(
                E,
                4,
                "这些情况要马上就医",
                "Signs that need a doctor quickly",
                "气短加重、夜里不能平躺、脚踝或腿肿得更厉害、体重突然增加，请及时就诊；严重气急或胸痛请拨打120。",
                "Get seen promptly if you are more breathless, cannot lie flat at night, your ankles or legs "
                "swell more or your weight jumps. For severe breathlessness or chest pain call 120.",
            ),
            step(
                R,
                7,
                "出院后一周到两周复诊",
                "Check-up one to two weeks after discharge",
                "出院后早期复诊很重要，医生会查看症状、体重、血压和化验结果并调整用药。",
                "An early visit after discharge matters: your doctor reviews symptoms, weight, blood pressure "
                "and blood tests and adjusts your medicines.",
            ),
            article(14, "心力衰竭"),
            step(
                E,
                21,
                "适当活动",
                "Staying active",
                "病情稳定后，可在医生指导下从散步开始，逐步增加活动量，以活动时能说话、不明显气喘为度。",
                "Once stable, start with walking as your doctor advises and build up slowly, staying at a pace "
                "where you can still talk without getting very breathless.",
            ),
            step(
                R,
                30,
                "一个月复诊提醒",
                "One-month check-up reminder",
                "请带上体重记录按约复诊。",
                "Please bring your weight log to your appointment.",
            ),
        ],
    },
    {
        "slug": "copd",
        "name": "慢阻肺院外管理",
        "name_en": "COPD follow-up",
        "description": "慢性阻塞性肺疾病患者：吸入药使用、戒烟、疫苗、呼吸锻炼和急性加重识别。",
        "icd10_codes": "J44",
        "guideline": "中华医学会呼吸病学分会慢性阻塞性肺疾病学组等.《慢性阻塞性肺疾病诊治指南（2021年修订版）》",
        "steps": [
            step(
                E,
                0,
                "吸入药要用对",
                "Using your inhaler properly",
                "不同吸入装置的用法不同。请按医生或药师教的步骤使用，吸入激素后要漱口。复诊时带上装置，请医生看看您的用法。",
                "Each inhaler type is used differently: follow the steps your doctor or pharmacist showed you, "
                "and rinse your mouth after a steroid inhaler. Bring the device to visits so your technique "
                "can be checked.",
            ),
            step(
                M,
                0,
                "吸入药使用提醒",
                "Inhaler reminder",
                "请按医嘱每天规律使用维持治疗的吸入药，症状好转也不要自行停用。",
                "Use your maintenance inhaler every day as prescribed, even when you feel better.",
                until=29,
                at=time(8, 0),
            ),
            step(
                E,
                3,
                "戒烟是最重要的治疗",
                "Stopping smoking is the most important treatment",
                "戒烟能减慢肺功能下降。可以到戒烟门诊寻求帮助，也要避开二手烟和油烟。",
                "Quitting slows the loss of lung function. A stop-smoking clinic can help; also avoid "
                "second-hand smoke and cooking fumes.",
            ),
            step(
                E,
                7,
                "急性加重的信号",
                "Signs of a flare-up",
                "气短比平时明显加重、痰变多或变黄变绿、发热，请尽快就医；说话都困难或嘴唇发紫请拨打120。",
                "See a doctor soon if you are much more breathless than usual, cough up more or yellow-green "
                "phlegm, or have a fever. Call 120 if you can hardly speak or your lips turn blue.",
            ),
            article(10, "慢阻肺"),
            step(
                E,
                14,
                "每天练习呼吸",
                "Breathing exercises every day",
                "缩唇呼吸：用鼻子吸气，像吹口哨一样缩起嘴唇慢慢呼气，呼气时间约为吸气的两倍。配合散步等运动，能减轻气短。",
                "Pursed-lip breathing: breathe in through your nose, then breathe out slowly through lips "
                "pursed as if to whistle, taking about twice as long as the breath in. With walking and other "
                "exercise it eases breathlessness.",
            ),
            step(
                R,
                30,
                "一个月复诊与疫苗",
                "One-month visit and vaccines",
                "请按约复诊。每年秋季接种流感疫苗，并问问医生是否需要接种肺炎球菌疫苗。",
                "Please keep your appointment. Have a flu jab every autumn and ask your doctor about the "
                "pneumococcal vaccine.",
            ),
            step(
                R,
                90,
                "三个月复查提醒",
                "Three-month review reminder",
                "请复诊评估症状和用药，医生会安排肺功能复查的时间。",
                "Please come for a review of symptoms and medicines; your doctor will plan your next lung "
                "function test.",
            ),
        ],
    },
    {
        "slug": "stroke-rehabilitation",
        "name": "脑卒中康复与二级预防",
        "name_en": "Stroke rehabilitation",
        "description": "缺血性脑卒中出院患者：居家康复、预防跌倒、坚持用药、控制危险因素和识别复发。",
        "icd10_codes": "I63, I69",
        "guideline": "中华医学会神经病学分会等.《中国脑卒中早期康复治疗指南》（2017）; "
        "中华医学会神经病学分会等.《中国缺血性卒中和短暂性脑缺血发作二级预防指南2022》",
        "steps": [
            step(
                E,
                0,
                "认出卒中再发：中风120",
                "Spotting another stroke: FAST",
                "“1看”脸是否不对称，“2查”两只手臂能否平举，“0听”说话是否含糊。出现任何一项，记下时间，立即拨打120。",
                "Face drooping on one side, Arm weakness when raising both, Speech slurred: if any appears, "
                "note the Time and call 120 at once.",
            ),
            step(
                M,
                0,
                "二级预防用药提醒",
                "Stroke prevention medicine",
                "抗血小板药、降压药、他汀等请按医嘱每天服用，不要自行停药。",
                "Take your antiplatelet, blood pressure and cholesterol medicines every day as prescribed; do "
                "not stop them on your own.",
                until=29,
                at=time(8, 0),
            ),
            step(
                E,
                2,
                "家里防跌倒",
                "Preventing falls at home",
                "清理地面杂物，浴室铺防滑垫、装扶手，夜间留一盏小灯；起身时先坐一会儿再站起来。",
                "Clear the floor, put a non-slip mat and grab bars in the bathroom, keep a night light on, "
                "and sit for a moment before standing up.",
            ),
            step(
                R,
                3,
                "坚持每天的康复训练",
                "Keep up your daily rehabilitation exercises",
                "按康复医生或治疗师教的动作，每天练习，循序渐进；家属在旁保护，不要勉强。",
                "Do the exercises your rehabilitation team taught you every day, building up step by step, "
                "with a family member nearby; do not force movements.",
                until=30,
                at=time(10, 0),
            ),
            article(7, "脑卒中"),
            step(
                E,
                14,
                "控制危险因素",
                "Controlling your risk factors",
                "控制血压、血糖和血脂，戒烟限酒，少盐少油，是预防再次卒中的关键。",
                "Keeping blood pressure, glucose and cholesterol in check, stopping smoking, limiting alcohol "
                "and eating less salt and fat are the keys to preventing another stroke.",
            ),
            step(
                R,
                30,
                "一个月复诊提醒",
                "One-month check-up reminder",
                "请按约到神经内科和康复科复诊，评估恢复情况并调整训练计划。",
                "Please attend your neurology and rehabilitation appointments to review progress and adjust "
                "your exercise plan.",
            ),
            step(
                R,
                90,
                "三个月复查提醒",
                "Three-month review reminder",
                "请复查血压、血脂、血糖，评估功能恢复。",
                "Please have blood pressure, lipids and glucose rechecked and your recovery assessed.",
            ),
        ],
    },
    {
        "slug": "chronic-kidney-disease",
        "name": "慢性肾脏病院外管理",
        "name_en": "Chronic kidney disease follow-up",
        "description": "慢性肾脏病患者：护肾用药、饮食、血压管理和定期复查肾功能。",
        "icd10_codes": "N18",
        "guideline": "慢性肾脏病早期筛查、诊断及防治指南制定小组.《慢性肾脏病早期筛查、诊断及防治指南（2022年版）》",
        "steps": [
            step(
                E,
                0,
                "护肾先护血压和血糖",
                "Protect your kidneys by controlling blood pressure and glucose",
                "高血压和糖尿病是肾功能下降的主要原因。请按医嘱控制血压和血糖，并按时复查。",
                "High blood pressure and diabetes are the main causes of kidney decline: control both as your "
                "doctor advises and keep your check-ups.",
            ),
            step(
                E,
                3,
                "用药前先问医生",
                "Ask before taking any new medicine",
                "止痛药（如布洛芬等）、某些中草药和偏方可能伤肾。吃任何新药或保健品前，先告诉医生您有慢性肾脏病。",
                "Painkillers such as ibuprofen, some herbal remedies and folk cures can harm the kidneys. "
                "Before any new medicine or supplement, tell the doctor you have chronic kidney disease.",
            ),
            step(
                E,
                7,
                "饮食要点",
                "Eating well for your kidneys",
                "清淡少盐，每天盐不超过5克；蛋白质吃多少要听医生或营养师的，不要盲目大量进补；血钾高的患者要少吃高钾水果。",
                "Keep salt below 5 g a day. How much protein to eat is for your doctor or dietitian to advise: "
                "do not load up on it. If your potassium runs high, limit high-potassium fruit.",
            ),
            article(10, "肾病"),
            step(
                R,
                30,
                "一个月复诊提醒",
                "One-month check-up reminder",
                "请带上血压记录复诊。",
                "Please bring your blood pressure log to your appointment.",
            ),
            step(
                R,
                90,
                "三个月复查肾功能和尿蛋白",
                "Three-month kidney function and urine check",
                "请复查血肌酐（估算肾小球滤过率）和尿白蛋白/肌酐比值。复查间隔会根据病情分期调整，由医生决定。",
                "Please have your blood creatinine (estimated GFR) and urine albumin-to-creatinine ratio "
                "checked. How often depends on your stage; your doctor decides.",
            ),
            step(
                R,
                180,
                "半年复查提醒",
                "Six-month review reminder",
                "请预约复查肾功能、血常规和电解质。",
                "Please book a review of kidney function, blood count and electrolytes.",
            ),
        ],
    },
    {
        "slug": "post-operative",
        "name": "术后院外管理",
        "name_en": "Post-operative care",
        "description": "出院后第1、3、7、14、30天的伤口护理、活动饮食、复查和预警症状提醒。",
        "icd10_codes": "T81",
        "guideline": "中华医学会外科学分会等.《中国加速康复外科临床实践指南（2021版）》",
        "steps": [
            step(
                R,
                1,
                "术后第1天：伤口护理",
                "Day 1 after discharge: wound care",
                "保持伤口清洁干燥，按出院时的交代换药。伤口红肿、渗液、疼痛加重或发热超过38.5℃，请及时就医。",
                "Keep the wound clean and dry and change the dressing as you were told at discharge. See a "
                "doctor promptly for redness, discharge, worsening pain or a fever above 38.5 °C.",
            ),
            step(
                E,
                2,
                "早下床、多活动",
                "Get up and move early",
                "在身体允许的情况下尽早下床，逐渐增加走动，可以减少血栓和肺部感染，也有助于肠道恢复。",
                "Get out of bed as early as your body allows and walk a little more each day: it lowers the "
                "risk of clots and chest infection and helps your bowels recover.",
            ),
            article(3, "术后"),
            step(
                E,
                5,
                "吃好才能长好",
                "Eating to heal",
                "能进食后逐步恢复正常饮食，保证足够的蛋白质（蛋、奶、鱼、肉、豆制品），多喝水，防止便秘。有特殊饮食要求的按医嘱。",
                "Once you can eat, return gradually to normal meals with enough protein (eggs, milk, fish, meat, "
                "soy), drink plenty and prevent constipation. Follow any special diet your doctor gave you.",
            ),
            step(
                R,
                7,
                "术后第7天：拆线或换药",
                "Day 7: stitches or dressing change",
                "请按出院小结预约拆线或换药。",
                "Book your stitch removal or dressing change as your discharge letter says.",
            ),
            step(
                E,
                10,
                "这些症状要马上就医",
                "Symptoms that need a doctor at once",
                "小腿肿痛、突然胸痛或气短、伤口裂开、持续呕吐或不能排气排便，请立即就医或拨打120。",
                "A swollen painful calf, sudden chest pain or breathlessness, a wound that opens, persistent "
                "vomiting or being unable to pass wind or stool: get medical help at once or call 120.",
            ),
            step(
                R,
                14,
                "术后两周复查",
                "Two-week review",
                "请按约复查，医生会评估恢复情况和能否恢复工作。",
                "Please attend your review; your doctor checks your recovery and when you can return to work.",
            ),
            step(
                R,
                30,
                "术后一个月复查",
                "One-month post-operative review",
                "请按约复查，如有不适提前就诊。",
                "Please attend your review; come earlier if you feel unwell.",
            ),
        ],
    },
    {
        "slug": "pregnancy-check-ups",
        "name": "孕期产检提醒",
        "name_en": "Pregnancy check-ups",
        "description": "从孕12周左右建档开始的产检时间表（第0天=建档日，约孕12周）：各孕周的检查、营养和胎动提醒。",
        "icd10_codes": "O26, O24, O13",
        "guideline": "中华医学会妇产科学分会产科学组.《孕前和孕期保健指南（2018）》",
        "steps": [
            step(
                E,
                0,
                "建档后的产检安排",
                "Your check-up schedule after booking",
                "一般孕28周前每4周检查一次，28到36周每2周一次，36周后每周一次。具体时间按医院安排，有特殊情况会增加。",
                "Usually you are seen every 4 weeks until 28 weeks, every 2 weeks from 28 to 36 weeks and "
                "weekly after that. Your hospital sets the exact dates and adds visits if needed.",
            ),
            step(
                E,
                3,
                "孕期营养和补充叶酸",
                "Nutrition and folic acid",
                "均衡饮食，适量增加奶类、鱼禽蛋和新鲜蔬果；按医嘱补充叶酸，不吸烟、不喝酒。体重增长的范围请和医生商量。",
                "Eat a balanced diet with a little more milk, fish, poultry, eggs and fresh produce; take folic "
                "acid as advised; do not smoke or drink. Agree your weight-gain range with your doctor.",
            ),
            step(
                R,
                28,
                "约孕16周：产检和唐氏筛查",
                "About 16 weeks: check-up and screening",
                "孕15到20周可做唐氏综合征血清学筛查（或按医生建议做无创DNA检查），请按约产检。",
                "Between 15 and 20 weeks you can have serum screening for Down syndrome (or cell-free DNA "
                "testing if your doctor suggests it); please keep your appointment.",
            ),
            step(
                R,
                56,
                "约孕20周：超声排畸检查",
                "About 20 weeks: anomaly scan",
                "孕20到24周是做系统超声检查的时间，请提前预约。",
                "The detailed anomaly scan is done at 20–24 weeks: book it early.",
            ),
            step(
                R,
                84,
                "约孕24周：糖耐量检查",
                "About 24 weeks: glucose tolerance test",
                "孕24到28周做75克口服葡萄糖耐量试验，检查前一晚空腹8小时以上。",
                "The 75 g oral glucose tolerance test is done at 24–28 weeks; fast for at least 8 hours beforehand.",
            ),
            step(
                E,
                112,
                "约孕28周：开始数胎动",
                "About 28 weeks: start counting movements",
                "每天固定时间数胎动，如果胎动明显减少或停止，请当天到医院检查，不要等到下次产检。",
                "Count your baby's movements at the same time each day. If they clearly slow down or stop, go "
                "to hospital that day; do not wait for your next appointment.",
            ),
            step(
                R,
                154,
                "约孕34周：产检提醒",
                "About 34 weeks: check-up reminder",
                "孕35到37周会做B族链球菌筛查，请按约产检。出现头痛、眼花、水肿加重请及时就医。",
                "Group B streptococcus screening is done at 35–37 weeks; keep your appointment. Seek care "
                "promptly for headache, blurred vision or worsening swelling.",
            ),
            step(
                E,
                175,
                "约孕37周：临产信号",
                "About 37 weeks: signs of labour",
                "规律宫缩、阴道流水（破水）或出血，请立即到医院。破水后尽量平躺，及时就医。",
                "Go to hospital at once for regular contractions, leaking fluid (waters breaking) or bleeding. "
                "After your waters break, lie down where you can and get to hospital promptly.",
            ),
        ],
    },
    {
        "slug": "newborn-care",
        "name": "新生儿居家护理",
        "name_en": "Newborn care",
        "description": "出院后第一个月：喂养、黄疸观察、脐带护理、维生素D、访视和满月体检提醒（第0天=出院日）。",
        "icd10_codes": "P59",
        "guideline": "国家卫生和计划生育委员会.《国家基本公共卫生服务规范（第三版）》0～6岁儿童健康管理服务规范（2017）; "
        "中华预防医学会儿童保健分会.《中国儿童维生素A、维生素D临床应用专家共识》（2021）",
        "steps": [
            step(
                E,
                0,
                "按需喂养",
                "Feeding on demand",
                "提倡母乳喂养，宝宝饿了就喂，一般每天8次以上。每天有6次以上湿尿布，说明吃得够。",
                "Breastfeeding is recommended: feed when your baby is hungry, usually 8 or more times a day. "
                "Six or more wet nappies a day means your baby is getting enough.",
            ),
            step(
                E,
                1,
                "观察黄疸",
                "Watching for jaundice",
                "在自然光下看宝宝的皮肤和眼白。黄色越来越深、蔓延到手心脚心、宝宝吃奶差或嗜睡，请尽快就医。",
                "Look at your baby's skin and the whites of the eyes in daylight. If the yellow deepens, "
                "reaches the palms and soles, or your baby feeds poorly or is very sleepy, see a doctor soon.",
            ),
            step(
                E,
                2,
                "脐带护理",
                "Caring for the umbilical cord",
                "保持脐部清洁干燥，尿布不要盖住脐部。脐周发红、有脓性分泌物或异味，请及时就医。",
                "Keep the cord stump clean and dry, with the nappy folded below it. See a doctor for redness "
                "around it, pus or a bad smell.",
            ),
            step(
                R,
                3,
                "新生儿家庭访视",
                "Newborn home visit",
                "出院后一周内社区医生会上门访视，请保持电话畅通，也可主动联系社区卫生服务中心。",
                "A community doctor visits within a week of discharge: keep your phone on, or contact your "
                "community health centre.",
            ),
            step(
                M,
                7,
                "补充维生素D",
                "Vitamin D drops",
                "出生后数天起每天补充维生素D，剂量按医生交代，一般为每天400国际单位。",
                "From a few days after birth, give vitamin D every day at the dose your doctor advised, "
                "usually 400 IU a day.",
                until=30,
                at=time(10, 0),
            ),
            step(
                E,
                10,
                "这些情况要马上就医",
                "When to get help at once",
                "发热或体温偏低、呼吸急促或费力、拒奶、反复呕吐、精神差、抽搐，请立即就医。",
                "Fever or a low temperature, fast or laboured breathing, refusing feeds, repeated vomiting, "
                "unusual floppiness or a fit: get medical help at once.",
            ),
            step(
                R,
                28,
                "满月体检和疫苗",
                "One-month check and vaccine",
                "满月（28到30天）时带宝宝做健康检查，并按预防接种证接种第2剂乙肝疫苗。",
                "At one month (28–30 days) take your baby for a health check and the second hepatitis B dose "
                "as shown in the vaccination record.",
            ),
        ],
    },
    {
        "slug": "gout",
        "name": "痛风与高尿酸血症院外管理",
        "name_en": "Gout follow-up",
        "description": "痛风患者：降尿酸达标、饮食饮水、急性发作处理和定期复查。",
        "icd10_codes": "M10",
        "guideline": "中华医学会内分泌学分会.《中国高尿酸血症与痛风诊疗指南（2019）》",
        "steps": [
            step(
                E,
                0,
                "尿酸要长期达标",
                "Keep your uric acid on target",
                "痛风患者血尿酸一般要长期控制在360 μmol/L以下，有痛风石的要更低。降尿酸药请按医嘱坚持吃。",
                "In gout, blood uric acid usually needs to stay below 360 µmol/L for the long term, and lower "
                "if you have tophi. Keep taking your urate-lowering medicine as prescribed.",
            ),
            step(
                M,
                0,
                "降尿酸药服药提醒",
                "Urate-lowering medicine reminder",
                "请按医嘱每天服药。急性发作时也不要自行停用已经在吃的降尿酸药，先问医生。",
                "Take your medicine every day as prescribed. Do not stop a urate-lowering medicine you already "
                "take during a flare; ask your doctor first.",
                until=29,
                at=time(8, 0),
            ),
            step(
                E,
                3,
                "多喝水，少喝酒和甜饮料",
                "Drink water, not alcohol or sugary drinks",
                "每天喝水2000毫升以上；不喝或少喝酒，尤其是啤酒和白酒；少喝含果糖的饮料。",
                "Drink more than 2 litres of water a day; avoid alcohol, especially beer and spirits; cut down "
                "on drinks sweetened with fructose.",
            ),
            step(
                E,
                7,
                "吃什么要注意",
                "What to eat",
                "少吃动物内脏、浓肉汤、部分海鲜等高嘌呤食物；多吃蔬菜，奶制品和鸡蛋可以正常吃；控制体重。",
                "Eat less offal, rich meat broth and high-purine seafood; eat plenty of vegetables; milk "
                "products and eggs are fine; keep a healthy weight.",
            ),
            step(
                E,
                10,
                "急性发作怎么办",
                "What to do in a flare",
                "关节突然红肿热痛时，休息并抬高患处，尽早（最好24小时内）按医生交代用药或就诊。",
                "When a joint suddenly becomes red, hot, swollen and painful, rest and raise it, and take the "
                "medicine your doctor advised or get seen as early as possible, ideally within 24 hours.",
            ),
            article(14, "痛风"),
            step(
                R,
                30,
                "一个月复查血尿酸",
                "One-month uric acid check",
                "开始或调整降尿酸治疗后，请按医生安排复查血尿酸和肝肾功能。",
                "After starting or changing treatment, have your uric acid and liver and kidney function "
                "checked as your doctor arranges.",
            ),
            step(
                R,
                90,
                "三个月复查提醒",
                "Three-month review reminder",
                "请复查血尿酸，看是否达标。",
                "Please have your uric acid rechecked to see whether it is on target.",
            ),
        ],
    },
    {
        "slug": "osteoporosis",
        "name": "骨质疏松院外管理",
        "name_en": "Osteoporosis follow-up",
        "description": "骨质疏松患者：钙和维生素D、运动与防跌倒、正确服药和定期复查骨密度。",
        "icd10_codes": "M81, M80",
        "guideline": "中华医学会骨质疏松和骨矿盐疾病分会.《原发性骨质疏松症诊疗指南（2022）》",
        "steps": [
            step(
                E,
                0,
                "吃够钙和维生素D",
                "Enough calcium and vitamin D",
                "50岁以上每天需要约1000到1200毫克钙，先从牛奶、豆制品等饮食中获得，不够的按医嘱补充；适当晒太阳，维生素D按医生建议补充。",
                "From age 50 you need about 1000–1200 mg of calcium a day: get it first from milk, soy and "
                "other foods and top up as your doctor advises; get some sunshine and take vitamin D as "
                "recommended.",
            ),
            step(
                E,
                3,
                "抗骨松药这样吃",
                "Taking bone medicine correctly",
                "口服双膦酸盐类药物要早上空腹，用一大杯白开水送服，服药后30分钟内保持站立或坐直、不要吃东西。其他药物按说明和医嘱。",
                "Oral bisphosphonates are taken on an empty stomach in the morning with a full glass of plain "
                "water; stay upright and do not eat for 30 minutes afterwards. Take other medicines as your "
                "doctor and the leaflet say.",
            ),
            step(
                E,
                7,
                "防跌倒就是防骨折",
                "Preventing falls prevents fractures",
                "穿防滑鞋，家里保持明亮、地面干燥；起身要慢；视力不好或头晕要及时看医生。",
                "Wear non-slip shoes, keep your home well lit and floors dry, get up slowly, and see a doctor "
                "about poor eyesight or dizziness.",
            ),
            step(
                E,
                14,
                "适合的运动",
                "The right kind of exercise",
                "快走、太极拳、抗阻训练等有助于维持骨量和平衡，循序渐进，避免弯腰搬重物。",
                "Brisk walking, tai chi and resistance exercise help keep bone and balance. Build up gradually "
                "and avoid bending to lift heavy things.",
            ),
            article(21, "骨质疏松"),
            step(
                R,
                90,
                "三个月复诊提醒",
                "Three-month check-up reminder",
                "请复诊，和医生一起看看用药是否合适、有没有不良反应。",
                "Please come back to review your medicine and any side effects with your doctor.",
            ),
            step(
                R,
                365,
                "一年复查骨密度",
                "One-year bone density scan",
                "治疗期间一般每1到2年复查一次骨密度，请按医生安排预约。",
                "During treatment bone density is usually rechecked every 1–2 years; book it as your doctor advises.",
            ),
        ],
    },
]


_ENGLISH_NAMES = {template["slug"]: template["name_en"] for template in FOLLOWUP_TEMPLATES}


def plan_name(plan: FollowUpPlan, language: str) -> str:
    """The plan's name for a patient's page: a studio template's English name for English readers.

    The stored name is the one the (Chinese) admin shows; a doctor's own plan has only that one.
    """
    if language_family(language) != "zh" and plan.doctor_id is None and plan.slug in _ENGLISH_NAMES:
        return _ENGLISH_NAMES[plan.slug]
    return plan.name


@transaction.atomic
def load_followup_templates() -> list[FollowUpPlan]:
    plans = []
    for template in FOLLOWUP_TEMPLATES:
        plan, _created = FollowUpPlan.objects.update_or_create(
            slug=template["slug"],
            defaults={
                "name": template["name"],
                "description": template["description"],
                "channels": template.get("channels", ALL_CHANNELS),
                "doctor": None,
                "icd10_codes": template["icd10_codes"],
                "guideline": template["guideline"],
            },
        )
        kept = []
        for item in template["steps"]:
            step_row, _created = FollowUpStep.objects.update_or_create(
                plan=plan,
                day_offset=item["day"],
                send_time=item["at"],
                kind=item["kind"],
                defaults={
                    "repeat_until_day": item["until"],
                    "article_tag": item["tag"],
                    "title_zh": item["title_zh"],
                    "title_en": item["title_en"],
                    "text_zh": item["text_zh"],
                    "text_en": item["text_en"],
                    "respect_quiet_hours": item["kind"] != M,
                },
            )
            kept.append(step_row.pk)
        # Steps dropped from a template leave the studio's copy; their sent deliveries keep their history.
        plan.steps.exclude(pk__in=kept).delete()
        plans.append(plan)
    return plans
