"""What the studio's composed illustrations say. The wording is the studio's own; each follows the guideline named."""

from __future__ import annotations

from .illustrations import ComposedSpec, Step

S = Step

COMPOSED: tuple[ComposedSpec, ...] = (
    ComposedSpec("home-blood-pressure", "在家测血压", "Measuring blood pressure at home",
                 "《中国家庭血压监测指南》（2019）", ("高血压", "hypertension", "测血压", "blood pressure"), "cardiovascular", (
                     S("person", "坐下安静休息 5 分钟，不说话", "Sit quietly for 5 minutes without talking"),
                     S("blood-pressure-monitor", "袖带绑在上臂，与心脏同高", "Cuff on the upper arm, level with your heart"),
                     S("blood-pressure", "隔 1 分钟再量一次，取平均值", "Measure again after 1 minute and take the average"),
                     S("register-book", "早晚各测一次，记下结果", "Measure morning and evening; write the results down"))),
    ComposedSpec("inhaler-use", "吸入器的正确用法", "Using an inhaler the right way",
                 "《支气管哮喘防治指南》（2020年版）", ("哮喘", "asthma", "吸入器", "inhaler"), "respiratory", (
                     S("asthma-inhaler", "摇匀药罐，打开盖子", "Shake the inhaler and take off the cap"),
                     S("lungs", "先慢慢把气呼尽", "Breathe out slowly and fully"),
                     S("respirology", "含住吸嘴，按压同时深吸气", "Seal your lips, press and breathe in deeply"),
                     S("calm", "屏气 10 秒，再慢慢呼气", "Hold your breath 10 seconds, then breathe out"))),
    ComposedSpec("insulin-sites", "胰岛素注射部位", "Where to inject insulin",
                 "《中国糖尿病药物注射技术指南》（2016年版）", ("糖尿病", "diabetes", "胰岛素", "insulin"), "endocrine", (
                     S("syringe", "腹部：避开肚脐周围", "Abdomen: keep away from the navel"),
                     S("syringe", "大腿前外侧", "Front and outer thighs"),
                     S("syringe", "上臂外侧", "Outer upper arms"),
                     S("syringe", "臀部外上方", "Upper outer buttocks"),
                     S("syringe", "轮换部位，每次相隔约一指宽", "Rotate: each time about a finger's width away")),
                 layout="injection_sites"),
    ComposedSpec("diabetic-foot-care", "糖尿病足部护理", "Foot care with diabetes",
                 "《中国糖尿病足防治指南》（2019版）", ("糖尿病", "diabetes", "足部护理", "foot care"), "endocrine", (
                     S("foot", "每天查看双脚有无破口、红肿", "Check both feet every day for cuts or redness"),
                     S("running-water", "温水洗脚，水温低于 37℃，擦干趾缝", "Wash in water below 37 °C; dry between the toes"),
                     S("walking", "穿合脚的鞋和浅色棉袜", "Wear well-fitting shoes and light cotton socks"),
                     S("doctor", "有伤口及时看医生", "See a doctor about any wound"))),
    ComposedSpec("plate-method", "餐盘法", "The plate method",
                 "《中国居民膳食指南（2022）》", ("饮食", "diet", "糖尿病", "diabetes", "餐盘", "plate"), "endocrine", (
                     S("vegetables", "一半：蔬菜", "Half: vegetables"),
                     S("hot-meal", "四分之一：鱼、肉、蛋、豆制品", "A quarter: fish, meat, eggs or tofu"),
                     S("carbohydrates", "四分之一：主食，粗细搭配", "A quarter: staple food, part whole grain"),
                     S("sugar-free", "饮料选白开水，少喝含糖饮料", "Drink water rather than sugary drinks")),
                 layout="plate"),
    ComposedSpec("blood-glucose-check", "自测血糖", "Checking your blood sugar",
                 "《中国血糖监测临床应用指南》（2021年版）", ("糖尿病", "diabetes", "血糖", "blood sugar"), "endocrine", (
                     S("wash-hands", "用温水洗手并擦干", "Wash your hands in warm water and dry them"),
                     S("blood-drop", "在指尖侧面采血", "Prick the side of a fingertip"),
                     S("diabetes-measure", "把血滴在试纸上读数", "Put the drop on the strip and read the meter"),
                     S("register-book", "记下时间和结果，复诊时带上", "Note the time and result; bring them to visits"))),
    ComposedSpec("hand-washing", "正确洗手", "Washing your hands well",
                 "《医务人员手卫生规范》（WS/T 313—2019）", ("洗手", "hand washing", "预防感染", "infection prevention"), "blood_immunity", (
                     S("running-water", "流动水打湿双手", "Wet your hands under running water"),
                     S("clean-hands", "抹洗手液，搓揉至少 20 秒", "Soap up and rub for at least 20 seconds"),
                     S("wash-hands", "掌心、手背、指缝、指尖都要搓到", "Palms, backs, between fingers and fingertips"),
                     S("hand-wipe-paper", "冲净后用干净毛巾擦干", "Rinse, then dry with a clean towel"))),
    ComposedSpec("less-salt", "少吃盐", "Eating less salt",
                 "《中国居民膳食指南（2022）》", ("高血压", "hypertension", "低盐", "low salt"), "cardiovascular", (
                     S("sodium-free", "每人每天盐不超过 5 克", "No more than 5 g of salt a day"),
                     S("i-utensils", "用限盐勺，起锅时再放盐", "Use a salt spoon; add salt at the end of cooking"),
                     S("unhealthy-food", "少吃咸菜、腌肉和加工食品", "Fewer pickles, cured meats and processed foods"),
                     S("magnifying-glass", "买食品看标签上的钠含量", "Read the sodium figure on food labels"))),
    ComposedSpec("quit-smoking", "戒烟", "Quitting smoking",
                 "《中国临床戒烟指南》（2015年版）", ("戒烟", "quit smoking", "吸烟", "smoking"), "respiratory", (
                     S("calendar", "定一个戒烟日", "Pick a day to stop"),
                     S("people", "告诉家人朋友，请他们支持", "Tell family and friends and ask for support"),
                     S("smoking-cessation", "扔掉烟和打火机，避开诱因", "Throw away cigarettes and lighters; avoid triggers"),
                     S("phone", "需要帮助可打 12320 或去戒烟门诊", "For help call 12320 or visit a quit-smoking clinic"))),
    ComposedSpec("regular-exercise", "规律运动", "Regular exercise",
                 "《中国人群身体活动指南》（2021）", ("运动", "exercise", "慢病管理", "chronic care"), "cardiovascular", (
                     S("walking", "每周至少 150 分钟中等强度运动", "At least 150 minutes of moderate activity a week"),
                     S("calendar", "分到 5 天，每天约 30 分钟", "Spread over 5 days, about 30 minutes each"),
                     S("exercise-weights", "每周 2 天做力量练习", "Strength exercises on 2 days a week"),
                     S("heart", "胸闷、头晕时马上停下", "Stop at once if you feel chest tightness or dizziness"))),
    ComposedSpec("medicines-on-time", "按时服药", "Taking medicines on time",
                 "《中国高血压防治指南》（2024年修订版）", ("用药", "medication", "慢病管理", "chronic care"), "cardiovascular", (
                     S("pills-2", "每天固定时间服药", "Take your medicines at the same time every day"),
                     S("blister-pills-round-x14", "用分药盒，避免漏服或重复", "Use a pill box so you neither miss nor double a dose"),
                     S("stop", "不要自己停药或减量", "Do not stop or cut down on your own"),
                     S("medical-records", "复诊时带上药物清单", "Bring a list of your medicines to every visit"))),
    ComposedSpec("stroke-120", "识别中风：中风 120", "Spotting a stroke: Stroke 1-2-0",
                 "中国卒中学会《中风 120》公众教育（2016）", ("中风", "stroke", "急救", "emergency"), "nervous", (
                     S("head", "1 看：一张脸是否不对称、口角歪斜", "1 Look: is one side of the face drooping?"),
                     S("arm", "2 查：两只胳膊平举，一侧无力", "2 Check: raise both arms; is one weak?"),
                     S("speech-language-therapy", "0 听：说话是否含糊不清", "0 Listen: is the speech slurred?"),
                     S("ambulance", "有任何一项，立即拨打 120", "Any one of these: call 120 at once")),
                 numbered=False),
    ComposedSpec("heart-attack-signs", "心梗的预警信号", "Warning signs of a heart attack",
                 "《急性ST段抬高型心肌梗死诊断和治疗指南》（2019）", ("冠心病", "coronary disease", "急救", "emergency"), "cardiovascular", (
                     S("heart-organ", "胸口压榨样疼痛超过 15 分钟", "Crushing chest pain lasting over 15 minutes"),
                     S("arm", "痛可放射到左臂、下巴或后背", "Pain may spread to the left arm, jaw or back"),
                     S("sweating", "大汗、气短、恶心", "Sweating, breathlessness, nausea"),
                     S("ambulance", "立刻拨打 120，不要自己开车去医院", "Call 120 now; do not drive yourself"))),
    ComposedSpec("low-blood-sugar", "低血糖怎么办", "What to do about low blood sugar",
                 "《中国2型糖尿病防治指南》（2020年版）", ("糖尿病", "diabetes", "低血糖", "hypoglycaemia"), "endocrine", (
                     S("diabetes-measure", "血糖低于 3.9 mmol/L 就要处理", "Treat it when glucose is below 3.9 mmol/L"),
                     S("sugar", "吃 15～20 克糖，如半杯果汁或几块糖", "Take 15–20 g of sugar: half a glass of juice or a few sweets"),
                     S("observation", "15 分钟后再测一次", "Check again after 15 minutes"),
                     S("hot-meal", "好转后按时吃饭，仍低就去医院", "Eat your next meal on time; still low, go to hospital"))),
    ComposedSpec("gout-diet", "痛风的饮食", "Eating with gout",
                 "《中国高尿酸血症与痛风诊疗指南》（2019）", ("痛风", "gout", "饮食", "diet"), "musculoskeletal", (
                     S("treated-water", "每天喝水 2000 毫升以上", "Drink more than 2 litres of water a day"),
                     S("alcohol-cessation", "不喝酒，尤其是啤酒", "No alcohol, beer above all"),
                     S("unhealthy-food", "少吃动物内脏、海鲜和浓肉汤", "Little offal, seafood or rich meat broth"),
                     S("dairy", "可以吃低脂奶、鸡蛋和蔬菜", "Low-fat milk, eggs and vegetables are fine"))),
    ComposedSpec("fall-prevention", "预防跌倒", "Preventing falls",
                 "《老年人跌倒干预技术指南》（国家卫生健康委员会，2011）", ("老年人", "older adults", "跌倒", "falls"), "musculoskeletal", (
                     S("electricity", "夜里留一盏小灯", "Keep a small light on at night"),
                     S("home", "浴室铺防滑垫，装扶手", "Non-slip mats and grab bars in the bathroom"),
                     S("old-man", "起床慢：先坐一会儿再站", "Get up slowly: sit a while before standing"),
                     S("cane", "走路不稳就用拐杖", "Use a walking stick if you are unsteady"))),
    ComposedSpec("pregnancy-checkups", "孕期产检", "Check-ups in pregnancy",
                 "《孕前和孕期保健指南》（2018）", ("孕期", "pregnancy", "产检", "antenatal care"), "reproductive", (
                     S("pregnant-0812w", "孕 6～13 周建档并做首次检查", "First visit and booking at 6–13 weeks"),
                     S("blood-pressure", "每次产检量血压、体重", "Blood pressure and weight at every visit"),
                     S("diabetes-measure", "孕 24～28 周查血糖（糖耐量试验）", "Glucose tolerance test at 24–28 weeks"),
                     S("pregnant-3638w", "37 周后每周检查一次", "Weekly check-ups from 37 weeks"))),
    ComposedSpec("newborn-feeding", "新生儿喂养", "Feeding a newborn",
                 "《中国居民膳食指南（2022）》婴幼儿喂养指南", ("新生儿", "newborn", "母乳喂养", "breastfeeding"), "reproductive", (
                     S("lactation", "出生 6 个月内纯母乳喂养", "Breast milk only for the first 6 months"),
                     S("baby-0203m", "按需喂，每天 8～12 次", "Feed on demand, 8 to 12 times a day"),
                     S("pill-1", "出生后数日起每天补维生素 D 400 单位", "Vitamin D 400 IU a day from the first days"),
                     S("nappy-diaper", "每天 6 块以上湿尿布说明吃够了", "Six or more wet nappies a day means enough milk"))),
    ComposedSpec("vaccination", "按时接种疫苗", "Vaccines on time",
                 "《国家免疫规划疫苗儿童免疫程序及说明》（2021年版）", ("疫苗", "vaccination", "儿童保健", "child health"), "blood_immunity", (
                     S("calendar", "按免疫程序的时间接种", "Follow the national schedule"),
                     S("i-certificate-paper", "带上预防接种证", "Bring the vaccination certificate"),
                     S("observation", "接种后留观 30 分钟", "Stay 30 minutes after the shot"),
                     S("thermometer", "高热不退或精神差要就医", "See a doctor for a lasting high fever or listlessness"))),
    ComposedSpec("healthy-weight", "保持健康体重", "Keeping a healthy weight",
                 "《中国成人超重和肥胖预防控制指南》（2021）", ("体重", "weight", "肥胖", "obesity"), "endocrine", (
                     S("body-mass-index", "体重指数保持在 18.5～23.9", "Keep your BMI between 18.5 and 23.9"),
                     S("waist-circumference", "腰围：男性 < 90 厘米，女性 < 85 厘米", "Waist: men under 90 cm, women under 85 cm"),
                     S("i-utensils", "吃饭慢一点，七八分饱", "Eat slowly and stop before you feel full"),
                     S("running", "每天动一动，少坐多走", "Move every day; sit less, walk more"))),
    ComposedSpec("good-sleep", "睡个好觉", "Sleeping well",
                 "《健康中国行动（2019—2030年）》", ("睡眠", "sleep", "心理健康", "mental health"), "nervous", (
                     S("sleepy", "成年人每天睡 7～8 小时", "Adults need 7 to 8 hours a day"),
                     S("calendar", "每天按时上床、按时起床", "Go to bed and get up at the same times"),
                     S("mobile", "睡前 1 小时不看手机", "No phone for an hour before bed"),
                     S("hot-meal", "下午以后不喝浓茶和咖啡", "No strong tea or coffee after midday"))),
    ComposedSpec("cough-etiquette", "咳嗽礼仪", "Coughing and sneezing with care",
                 "《公民卫生行为规范》（国家卫生健康委员会，2020）", ("呼吸道感染", "respiratory infection", "口罩", "mask"), "respiratory", (
                     S("coughing", "咳嗽打喷嚏用纸巾或肘部遮住", "Cough or sneeze into a tissue or your elbow"),
                     S("tissue", "用过的纸巾扔进垃圾桶", "Put used tissues in the bin"),
                     S("wash-hands", "随后洗手", "Then wash your hands"),
                     S("ppe-mask", "生病时戴好口罩", "Wear a mask while you are ill"))),
)
