"""A starter pronunciation lexicon: medical words the automatic reading gets wrong or that editors ask about.

Readings as in the 现代汉语词典 (7th edition), tone numbers, 5 for the neutral
tone. Existing entries (an editor's own) are never overwritten.
"""

from django.db import migrations

STARTER = [
    ("重复", "chong2 fu4", "重 chóng: again"),
    ("调整", "tiao2 zheng3", "调 tiáo: adjust"),
    ("调理", "tiao2 li3", "调 tiáo"),
    ("行走", "xing2 zou3", "行 xíng: walk"),
    ("血", "xue4", "血 xuè in written words; see 咯血, 吐血 for xiě"),
    ("咯血", "ka3 xie3", "咯 kǎ, 血 xiě"),
    ("吐血", "tu4 xie3", "血 xiě"),
    ("血淋淋", "xie3 lin2 lin2", "血 xiě"),
    ("哮喘", "xiao4 chuan3", "哮 xiào"),
    ("头发", "tou2 fa5", "发 fa, neutral"),
    ("胳膊", "ge1 bo5", "膊 neutral"),
    ("薄荷", "bo4 he5", "薄 bò"),
    ("疟疾", "nve4 ji5", "疾 neutral"),
    ("量血压", "liang2 xue4 ya1", "量 liáng: measure"),
    ("量体温", "liang2 ti3 wen1", "量 liáng: measure"),
    ("称体重", "cheng1 ti3 zhong4", "称 chēng: weigh"),
    ("数脉搏", "shu3 mai4 bo2", "数 shǔ: count"),
    ("处方", "chu3 fang1", "处 chǔ"),
    ("空腹", "kong1 fu4", "空 kōng"),
    ("着凉", "zhao2 liang2", "着 zháo"),
    ("冠心病", "guan1 xin1 bing4", "冠 guān"),
    ("冠状动脉", "guan1 zhuang4 dong4 mai4", "冠 guān"),
    ("接种", "jie1 zhong4", "种 zhòng: inoculate"),
    ("分泌", "fen1 mi4", "泌 mì"),
    ("泌尿", "mi4 niao4", "泌 mì"),
    ("膀胱", "pang2 guang1", "膀 páng"),
    ("佝偻病", "gou1 lou2 bing4", "偻 lóu"),
    ("龋齿", "qu3 chi3", "龋 qǔ"),
    ("暖和", "nuan3 huo5", "和 huo, neutral"),
    ("间隔", "jian4 ge2", "间 jiàn"),
    ("切忌", "qie4 ji4", "切 qiè"),
    ("得病", "de2 bing4", "得 dé"),
    ("值得", "zhi2 de2", "得 dé"),
    ("口干", "kou3 gan1", "干 gān: dry"),
    ("擦干", "ca1 gan1", "干 gān: dry"),
    ("干咳", "gan1 ke2", "干 gān: dry"),
    ("数一数", "shu3 yi1 shu3", "数 shǔ: count"),
    # Neutral-tone words (轻声) of the 普通话水平测试 list that patient texts use often.
    ("时候", "shi2 hou5", "轻声"),
    ("告诉", "gao4 su5", "轻声"),
    ("知识", "zhi1 shi5", "轻声"),
    ("衣服", "yi1 fu5", "轻声"),
    ("舒服", "shu1 fu5", "轻声"),
    ("休息", "xiu1 xi5", "轻声"),
    ("消息", "xiao1 xi5", "轻声"),
    ("护士", "hu4 shi5", "轻声"),
    ("大夫", "dai4 fu5", "轻声; 大 dài: doctor"),
    ("晚上", "wan3 shang5", "轻声"),
    ("早上", "zao3 shang5", "轻声"),
    ("身上", "shen1 shang5", "轻声"),
    ("清楚", "qing1 chu5", "轻声"),
    ("困难", "kun4 nan5", "轻声"),
    ("厉害", "li4 hai5", "轻声"),
    ("咳嗽", "ke2 sou5", "轻声"),
    ("东西", "dong1 xi5", "轻声: thing"),
    ("事情", "shi4 qing5", "轻声"),
    ("意思", "yi4 si5", "轻声"),
    ("明白", "ming2 bai5", "轻声"),
    ("眼睛", "yan3 jing5", "轻声"),
    ("耳朵", "er3 duo5", "轻声"),
    ("嘴巴", "zui3 ba5", "轻声"),
    ("骨头", "gu3 tou5", "轻声"),
    ("舌头", "she2 tou5", "轻声"),
    ("指甲", "zhi3 jia5", "轻声"),
    ("脑袋", "nao3 dai5", "轻声"),
    ("麻烦", "ma2 fan5", "轻声"),
    ("凉快", "liang2 kuai5", "轻声"),
    ("喜欢", "xi3 huan5", "轻声"),
    ("认识", "ren4 shi5", "轻声"),
    ("打算", "da3 suan5", "轻声"),
    ("豆腐", "dou4 fu5", "轻声"),
    ("萝卜", "luo2 bo5", "轻声"),
]


def seed(apps, schema_editor):
    entry = apps.get_model("media_pipeline", "PronunciationEntry")
    existing = set(entry.objects.values_list("term", flat=True))
    entry.objects.bulk_create(
        [entry(term=term, pinyin=pinyin, note=note) for term, pinyin, note in STARTER if term not in existing]
    )


def unseed(apps, schema_editor):
    entry = apps.get_model("media_pipeline", "PronunciationEntry")
    for term, pinyin, _note in STARTER:
        entry.objects.filter(term=term, pinyin=pinyin).delete()  # what an editor changed stays


class Migration(migrations.Migration):
    dependencies = [("media_pipeline", "0003_pronunciation_lexicon")]
    operations = [migrations.RunPython(seed, unseed)]
