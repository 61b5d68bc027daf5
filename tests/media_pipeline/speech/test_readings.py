"""Chinese readings for espeak-ng: pinyin with tone sandhi, the editors' lexicon, measured on a written corpus.

What espeak-ng says is read back from its own phoneme output (``-x``), so
these tests check what a listener hears, not only the pinyin the studio
computes.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from cms.core.documents import ArticleDocument, DocumentBlock
from media_pipeline.models import PronunciationEntry
from media_pipeline.render.voice import render_voice
from media_pipeline.speech import build_speech_script
from media_pipeline.speech.readings import (
    LexiconError,
    PronunciationLexicon,
    matching_syllables,
    normalize_pinyin,
    to_tone_pinyin,
)
from media_pipeline.speech.spoken_text import to_spoken_text
from media_pipeline.tts import EngineChain, EspeakEngine, SynthesisSettings

DATA = Path(__file__).resolve().parents[2] / "data"
HANZI = re.compile(r"[\u4e00-\u9fff]")


def corpus(name: str) -> list[tuple[str, str, list[str]]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            case_id, text, expected = line.split("\t")
            rows.append((case_id, text, expected.split()))
    return rows


def ffprobe(path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        check=True,
        text=True,
    )
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def espeak():
    return EspeakEngine()


# --------------------------------------------------------------------------- what espeak says


def test_the_issue_examples_are_heard_right_after_and_wrong_before(espeak):
    spoken = to_spoken_text("每天测量一两次血压。", "zh")
    before = espeak.heard_syllables(spoken)  # characters, as the pipeline sent them until now
    after = espeak.heard_syllables(espeak.espeak_input(spoken, "cmn-latn-pinyin"))
    assert before == ["mei3", "tian1", "ce4", "liang4", "yi1", "liang3", "ci4", "xue4", "ya1"]
    assert after == ["mei3", "tian1", "ce4", "liang2", "yi4", "liang3", "ci4", "xue4", "ya1"]


@pytest.mark.parametrize(
    ("text", "pinyin"),
    [
        ("一定要按时吃药，不能随便停药。", "yi2 ding4 yao4 an4 shi2 chi1 yao4，bu4 neng2 sui2 bian4 ting2 yao4。"),
        ("第一次复查", "di4 yi1 ci4 fu4 cha2"),  # ordinal 一 keeps the first tone
        ("看一看", "kan4 yi5 kan4"),
        ("一口一口慢慢吃", "yi4 kou3 yi4 kou3 man4 man4 chi1"),
        ("是不是不舒服", "shi4 bu5 shi4 bu4 shu1 fu2"),
        ("睡不着", "shui4 bu5 zhao2"),
        ("我很好", "wo3 hen2 hao3"),  # 我 | 很好
        ("洗澡水", "xi2 zao2 shui3"),
        ("你得坚持", "ni2 dei3 jian1 chi2"),
        ("孩子长得快", "hai2 zi5 zhang3 de5 kuai4"),
        ("银行卡", "yin2 hang2 ka3"),
    ],
)
def test_tone_sandhi_and_particles(text, pinyin):
    assert to_tone_pinyin(text) == pinyin


def test_numbers_and_units_are_read_by_the_speech_text_stage(espeak):
    spoken = to_spoken_text("每日2次，每次1片。", "zh")
    assert spoken == "每日两次，每次一片。"
    assert to_tone_pinyin(spoken) == "mei3 ri4 liang3 ci4，mei3 ci4 yi2 pian4。"


@pytest.mark.parametrize(
    ("name", "size", "at_least"),
    [
        ("zh_readings.tsv", 100, 0.98),
        ("zh_readings_heldout.tsv", 25, 0.96),  # written after the rules were settled, never used to tune them
    ],
)
def test_the_corpus_is_read_as_expected_far_more_often_than_before(espeak, db, name, size, at_least):
    cases = corpus(name)
    assert len(cases) >= size
    lexicon = PronunciationEntry.lexicon()  # the starter set the data migration installed
    assert len(lexicon.entries) >= 30
    spoken = [to_spoken_text(text, "zh") for _, text, _ in cases]
    for (case_id, _, expected), line in zip(cases, spoken, strict=False):
        assert len(expected) == len(HANZI.findall(line)), case_id  # one expected syllable per spoken character
    expected = [syllable for _, _, syllables in cases for syllable in syllables]
    # One espeak-ng run per way, the whole corpus one sentence per line.
    before = espeak.heard_syllables("\n".join(spoken))
    plain = espeak.heard_syllables("\n".join(to_tone_pinyin(line) for line in spoken))
    with_lexicon = espeak.heard_syllables("\n".join(to_tone_pinyin(line, lexicon) for line in spoken))
    share = {
        name: matching_syllables(expected, heard) / len(expected)
        for name, heard in (("before", before), ("plain", plain), ("lexicon", with_lexicon))
    }
    print(f"\n{name}: syllables heard as expected: {share}")
    assert share["before"] < 0.93
    assert share["plain"] >= 0.95
    assert share["lexicon"] >= at_least


# --------------------------------------------------------------------------- the lexicon


def test_lexicon_readings_are_checked_syllable_by_syllable():
    assert normalize_pinyin("绿色", "lv4 se4") == ("lü4", "se4")
    for term, reading, code in (
        ("重复", "chong fu", "tone"),
        ("重复", "chong2", "count"),
        ("重复", "chomg2 fu4", "unknown"),
        ("BMI", "bi4", "not_chinese"),
    ):
        with pytest.raises(LexiconError) as caught:
            normalize_pinyin(term, reading)
        assert caught.value.code == code


def test_longest_term_wins_and_sandhi_still_applies():
    lexicon = PronunciationLexicon.from_pairs([("血", "xue4"), ("咯血", "ka3 xie3"), ("处理", "chu3 li3")])
    assert to_tone_pinyin("咯血和血", lexicon) == "ka2 xie3 he2 xue4"
    assert to_tone_pinyin("处理伤口", lexicon) == "chu2 li3 shang1 kou3"
    assert lexicon.terms_in("咯血和血") == {"咯血": "ka3 xie3", "血": "xue4"}


def test_editors_maintain_the_lexicon_in_the_admin_and_doctors_cannot(client, people):
    add_url = reverse("wagtailsnippets_media_pipeline_pronunciationentry:add")
    client.force_login(people["editor"])
    response = client.post(add_url, {"term": "行走", "pinyin": "hang2 zou3", "note": ""})
    assert response.status_code == 200  # 行走 is in the starter set: unique term
    response = client.post(add_url, {"term": "扭伤", "pinyin": "niu3 shang", "note": "扭 niǔ"})
    assert response.status_code == 200
    assert "声调" in response.content.decode() or "tone number" in response.content.decode()
    assert not PronunciationEntry.objects.filter(term="扭伤").exists()
    response = client.post(add_url, {"term": "扭伤", "pinyin": "NIU3  shang1", "note": "扭 niǔ"})
    assert response.status_code == 302
    assert PronunciationEntry.objects.get(term="扭伤").pinyin == "niu3 shang1"  # stored normalised
    client.force_login(people["doctor_a"])
    assert client.get(reverse("wagtailsnippets_media_pipeline_pronunciationentry:list")).status_code in (302, 403)
    assert client.post(add_url, {"term": "扭曲", "pinyin": "niu3 qu1"}).status_code in (302, 403)
    assert not PronunciationEntry.objects.filter(term="扭曲").exists()


def test_a_lexicon_change_re_voices_only_the_paragraphs_that_use_the_term(db, tmp_path):
    document = ArticleDocument(
        title="伤口护理",
        language="zh-hans",
        blocks=(
            DocumentBlock("paragraph", text="每天换药一次。", block_id="p1"),
            DocumentBlock("paragraph", text="伤口扭伤时不要揉。", block_id="p2"),
        ),
    )
    script = build_speech_script(document)
    chain = EngineChain.from_names(["espeak"])
    first = render_voice(
        script, chain, None, None, tmp_path / "cache", tmp_path / "a", lexicon=PronunciationEntry.lexicon()
    )
    assert (first.synthesized, first.reused) == (3, 0)
    PronunciationEntry.objects.create(term="扭伤", pinyin="niu3 shang1")
    again = render_voice(
        script, chain, None, None, tmp_path / "cache", tmp_path / "b", lexicon=PronunciationEntry.lexicon()
    )
    assert (again.synthesized, again.reused) == (1, 2)  # only p2 says 扭伤
    probe = ffprobe(again.mp3_path)
    assert probe["streams"][0]["codec_name"] == "mp3"
    assert float(probe["format"]["duration"]) == pytest.approx(again.duration_s, abs=0.3)


def test_espeak_speaks_the_pinyin_as_a_real_wav(espeak, tmp_path):
    result = espeak.synthesize(
        "量血压前请先休息五分钟。",
        "cmn-latn-pinyin",
        SynthesisSettings(),
        PronunciationLexicon.from_pairs([("休息", "xiu1 xi5")]),
    )
    path = tmp_path / "clip.wav"
    path.write_bytes(result.audio)
    stream = ffprobe(path)["streams"][0]
    assert stream["codec_name"] == "pcm_s16le" and float(stream["duration"]) > 1.5
