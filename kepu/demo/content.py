"""The demo's articles, written for the studio.

Facts follow common clinical guidance; the sentences are the studio's own. The
Chinese encyclopedia text the articles link to (I10, M10) is not here: it ships
with the encyclopedia (``cms/encyclopedia/data/zh_entries``) and comes with
``import_encyclopedia``.
"""

ARTICLES = [
    {
        "language": "zh-hans",
        "title": "在家测血压：五个步骤测得准",
        "summary": "家庭自测血压能帮助医生判断降压效果。按下面的步骤测，结果才可靠。",
        "tags": ["高血压", "家庭自测"],
        "entry_code": "I10",
        "illustration": "gauge",
        "body": [
            (
                "paragraph",
                "<p>高血压的治疗效果，要靠平时的血压记录来判断。诊室里测得的血压可能因为紧张而偏高，在家里规范测量，更能反映真实情况。</p>",
            ),
            ("heading", "测量前的准备"),
            (
                "paragraph",
                "<p>测量前30分钟内不要吸烟、喝咖啡或浓茶，不要剧烈活动。排空小便，在安静的房间里坐下休息5分钟。</p>",
            ),
            ("image", "家用上臂式电子血压计的读数示意：140/90 mmHg 是诊断高血压的界值。"),
            (
                "key_points",
                [
                    "选用经过认证的上臂式电子血压计",
                    "袖带下缘在肘窝上方2到3厘米",
                    "每次测两遍，间隔1分钟，取平均值",
                    "早晚各测一次，连续记录7天",
                ],
            ),
            ("heading", "怎样记录"),
            (
                "paragraph",
                "<p>把日期、时间和两次读数写在记录本上，复诊时带给医生。家庭自测血压的平均值≥135/85 mmHg，提示血压控制还不理想。</p>",
            ),
            (
                "warning",
                "urgent",
                "<p>如果血压超过180/110 mmHg，并且出现剧烈头痛、胸痛或一侧手脚无力，请立即拨打120。</p>",
            ),
            (
                "qa",
                "测出来偏高，可以自己加药吗？",
                "<p>不可以。一两次偏高不代表需要调整药物。请把记录带给医生，由医生决定是否调整剂量。</p>",
            ),
            (
                "references",
                [("中国高血压防治指南修订委员会. 中国高血压防治指南（2018年修订版）. 中国心血管杂志, 2019.", "")],
            ),
        ],
    },
    {
        "language": "en",
        "title": "Measuring your blood pressure at home",
        "translation_of": "在家测血压：五个步骤测得准",  # the same topic: the pages offer each other
        "summary": "Home readings show your doctor how well your treatment works. Follow these steps so the numbers can be trusted.",
        "tags": ["hypertension", "self-care"],
        "entry_source_id": "4_MPlus_Health_Topics_QA/0000471",
        "illustration": "gauge",
        "body": [
            (
                "paragraph",
                "<p>Blood pressure measured at the clinic can be higher than usual because of stress. Readings taken at home, the right way, tell your doctor much more.</p>",
            ),
            ("heading", "Before you measure"),
            (
                "paragraph",
                "<p>Do not smoke, drink coffee or exercise for 30 minutes before. Empty your bladder and sit quietly for 5 minutes with your back supported.</p>",
            ),
            ("image", "A home blood pressure monitor dial: 140/90 mmHg is the threshold for high blood pressure."),
            (
                "key_points",
                [
                    "Use a validated upper-arm monitor",
                    "Put the cuff on bare skin, 2 to 3 cm above the elbow",
                    "Take two readings one minute apart",
                    "Measure morning and evening for 7 days",
                ],
            ),
            ("heading", "Keeping a record"),
            (
                "paragraph",
                "<p>Write down the date, time and both readings, and bring the record to your next visit. An average home reading of 135/85 mmHg or more means your blood pressure is not yet under control.</p>",
            ),
            (
                "warning",
                "urgent",
                "<p>If your blood pressure is above 180/110 mmHg and you have a severe headache, chest pain or weakness on one side, call emergency services.</p>",
            ),
            (
                "qa",
                "My readings are high. Can I take an extra pill?",
                "<p>No. One or two high readings do not mean your medicine should change. Show your record to your doctor.</p>",
            ),
            (
                "references",
                [
                    (
                        "Whelton PK, et al. 2017 ACC/AHA Guideline for the Prevention, Detection, Evaluation, and Management of High Blood Pressure in Adults. Hypertension. 2018.",
                        "https://doi.org/10.1161/HYP.0000000000000065",
                    )
                ],
            ),
        ],
    },
    {
        "language": "zh-hans",
        "title": "痛风急性发作时怎么办",
        "summary": "脚趾关节突然红肿剧痛，可能是痛风发作。记住这几点，少走弯路。",
        "tags": ["痛风", "关节痛"],
        "entry_code": "M10",
        "illustration": "joint",
        "body": [
            (
                "paragraph",
                "<p>痛风是血尿酸长期偏高、尿酸盐结晶沉积在关节里引起的炎症。第一次发作常在夜间，大脚趾根部突然红、肿、热、痛。</p>",
            ),
            ("image", "大脚趾关节里沉积的尿酸盐结晶引起红肿示意图。"),
            (
                "key_points",
                [
                    "抬高患肢，局部冷敷",
                    "多喝水，每天饮水2000毫升以上",
                    "不要按摩或热敷发作的关节",
                    "尽早就医，由医生决定用药",
                ],
            ),
            ("heading", "平时怎样预防再次发作"),
            (
                "paragraph",
                "<p>少吃动物内脏、浓肉汤和海鲜，不喝啤酒和含糖饮料，控制体重。需要长期降尿酸治疗的患者，要按医嘱定期复查血尿酸。</p>",
            ),
            ("warning", "warning", "<p>发作期间不要自行开始或停止降尿酸药物，以免加重发作。</p>"),
            (
                "references",
                [("中华医学会内分泌学分会. 中国高尿酸血症与痛风诊疗指南（2019）. 中华内分泌代谢杂志, 2020.", "")],
            ),
        ],
    },
    {
        "language": "en",
        "title": "Type 2 diabetes: your first month",
        "summary": "A new diagnosis can feel overwhelming. These are the few things that matter most in the first weeks.",
        "tags": ["diabetes"],
        "entry_source_id": "4_MPlus_Health_Topics_QA/0000273",
        "illustration": "plate",
        "body": [
            (
                "paragraph",
                "<p>Type 2 diabetes means your body does not use insulin well, so sugar builds up in your blood. With the right habits and treatment, most people live full, active lives.</p>",
            ),
            ("image", "The plate method: half vegetables, a quarter protein, a quarter starchy food."),
            (
                "key_points",
                [
                    "Fill half your plate with vegetables",
                    "Walk for 30 minutes on most days",
                    "Check your blood sugar as your care team advised",
                    "Take your medicines at the same times every day",
                ],
            ),
            ("heading", "Watch for low blood sugar"),
            (
                "paragraph",
                "<p>If you feel shaky, sweaty or confused, check your blood sugar. If it is below 3.9 mmol/L, take 15 g of fast sugar, such as half a glass of juice, and check again after 15 minutes.</p>",
            ),
            (
                "qa",
                "Will I need insulin?",
                "<p>Not necessarily. Many people manage with lifestyle changes and tablets. Your doctor will review your treatment as your HbA1c results come in.</p>",
            ),
            (
                "references",
                [
                    (
                        "American Diabetes Association. Standards of Care in Diabetes. Diabetes Care. 2024.",
                        "https://diabetesjournals.org/care",
                    )
                ],
            ),
        ],
    },
]
