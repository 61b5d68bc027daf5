"""WebVTT/SRT writing, parsing and caption wrapping."""

import pytest

from media_pipeline.render.subtitles import (
    Cue,
    SubtitleError,
    format_srt,
    format_vtt,
    parse_vtt,
    wrap_caption,
    write_srt,
    write_vtt,
)
from tests.subrip import parse_srt

CUES = [
    Cue(0.0, 2.5, "血压持续高于140/90 mmHg即为高血压，约百分之五十的患者没有任何症状。"),
    Cue(2.5, 3661.25, "Keep your blood pressure below 140 over 90 millimetres of mercury, every day."),
]


def test_vtt_round_trip(tmp_path):
    path = write_vtt(CUES, tmp_path / "voice.vtt", max_line_chars=42)  # two lines each: one cue each
    text = path.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.500\n")
    assert "00:00:02.500 --> 01:01:01.250" in text
    parsed = parse_vtt(text)
    assert [(c.start, c.end) for c in parsed] == [(0.0, 2.5), (2.5, 3661.25)]
    assert ["".join(c.text.split()) for c in parsed] == ["".join(c.text.split()) for c in CUES]


def test_a_cue_longer_than_two_lines_becomes_consecutive_cues_on_word_boundaries():
    long = Cue(
        10.0,
        24.0,
        "如果血压超过180/110 mmHg，并且出现剧烈头痛、胸痛或一侧手脚无力，请立即拨打120，"
        "不要自己开车去医院，也不要再加服降压药。",
    )
    parsed = parse_vtt(format_vtt([long]))
    assert len(parsed) >= 2 and all(len(c.text.split("\n")) <= 2 for c in parsed)
    assert parsed[0].start == 10.0 and parsed[-1].end == 24.0
    assert all(a.end == b.start for a, b in zip(parsed, parsed[1:], strict=False))  # back to back, no gap, no overlap
    assert "".join("".join(c.text.split()) for c in parsed) == "".join(long.text.split())
    lines = [line for c in parsed for line in c.text.split("\n")]
    for word in ("手脚", "无力", "血压", "头痛", "mmHg", "180/110"):
        assert any(word in line for line in lines), word  # never split inside a word
    assert max(c.end - c.start for c in parsed) < 14.0


@pytest.mark.parametrize(
    "text, words",
    [
        ("测出来偏高，可以自己加药吗？", ["偏高", "加药"]),
        ("把电子血压计放在安静的房间里，坐好休息五分钟再测量。", ["电子", "血压计", "房间"]),
        ("如果出现一侧手脚无力或说话不清，请立即就医。", ["手脚", "无力"]),
    ],
)
def test_chinese_lines_break_between_words(text, words):
    for width in (6, 8, 10, 12):
        lines = wrap_caption(text, width)
        for word in words:
            assert any(word in line for line in lines), (width, lines, word)


def test_english_captions_leave_no_orphan_word():
    lines = wrap_caption("If your reading is very high, call your doctor or local emergency services.", 42)
    assert len(lines) == 2 and len(lines[-1].split()) >= 2


def test_srt_round_trip(tmp_path):
    text = write_srt(CUES, tmp_path / "voice.srt", max_line_chars=42).read_text(encoding="utf-8")
    assert text.startswith("1\n00:00:00,000 --> 00:00:02,500\n")
    assert [(c.start, c.end) for c in parse_srt(text)] == [(0.0, 2.5), (2.5, 3661.25)]


def test_parse_tolerates_real_world_vtt():
    text = "\ufeffWEBVTT - made elsewhere\r\n\r\nNOTE a comment\r\n\r\nintro\r\n00:01.000 --> 00:02.000 align:start\r\n<b>Hello</b>\r\nthere\r\n"
    assert parse_vtt(text) == [Cue(1.0, 2.0, "<b>Hello</b>\nthere")]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("1\n00:00:01,000 --> 00:00:02,000\nhi\n", "WEBVTT"),
        ("WEBVTT\n\n00:00:03.000 --> 00:00:02.000\nbackwards\n", "start < end"),
        ("WEBVTT\n\nno timing here\n", "timing"),
    ],
)
def test_malformed_vtt_is_rejected(text, error):
    with pytest.raises(SubtitleError, match=error):
        parse_vtt(text)


def test_chinese_wrapping_respects_width_and_keeps_latin_tokens_whole():
    lines = wrap_caption("血压持续高于140/90 mmHg即为高血压，约百分之五十的患者没有任何症状。", 12)
    assert "".join(lines).replace(" ", "") == "血压持续高于140/90mmHg即为高血压，约百分之五十的患者没有任何症状。"
    assert all(not line.startswith(("，", "。")) for line in lines)
    assert any("140/90" in line for line in lines) and any("mmHg" in line for line in lines)
    assert all(sum(1 for ch in line if "\u4e00" <= ch <= "\u9fff") <= 12 for line in lines)


def test_chinese_wrapping_prefers_punctuation_and_avoids_orphans():
    assert wrap_caption("要点：第一，定期测量血压，每周至少三次，每次测量两遍。", 16) == [
        "要点：第一，定期测量血压，",
        "每周至少三次，每次测量两遍。",
    ]
    lines = wrap_caption("血压持续高于一百四十毫米汞柱即为高血压。", 16)
    assert len(lines) == 2 and len(lines[-1]) > 2


def test_english_wrapping_on_spaces():
    assert wrap_caption(CUES[1].text, 42) == [
        "Keep your blood pressure below 140 over 90",
        "millimetres of mercury, every day.",
    ]


def test_cue_times_are_validated():
    with pytest.raises(SubtitleError):
        Cue(2.0, 1.0, "x")
    with pytest.raises(SubtitleError, match="no text"):
        format_vtt([Cue(0, 1, "  ")])
    assert format_srt([]) == "\n"
