"""WebVTT/SRT writing, parsing and caption wrapping."""

import pytest

from media_pipeline.subtitles import Cue, SubtitleError, format_srt, format_vtt, parse_srt, parse_vtt, wrap_caption, write_srt, write_vtt

CUES = [
    Cue(0.0, 2.5, "血压持续高于140/90 mmHg即为高血压，约百分之五十的患者没有任何症状。"),
    Cue(2.5, 3661.25, "Keep your blood pressure below 140 over 90 millimetres of mercury, every day."),
]


def test_vtt_round_trip(tmp_path):
    path = write_vtt(CUES, tmp_path / "voice.vtt")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.500\n")
    assert "00:00:02.500 --> 01:01:01.250" in text
    parsed = parse_vtt(text)
    assert [(c.start, c.end) for c in parsed] == [(0.0, 2.5), (2.5, 3661.25)]
    assert ["".join(c.text.split()) for c in parsed] == ["".join(c.text.split()) for c in CUES]


def test_srt_round_trip(tmp_path):
    text = write_srt(CUES, tmp_path / "voice.srt").read_text(encoding="utf-8")
    assert text.startswith("1\n00:00:00,000 --> 00:00:02,500\n")
    assert [(c.start, c.end) for c in parse_srt(text)] == [(0.0, 2.5), (2.5, 3661.25)]


def test_parse_tolerates_real_world_vtt():
    text = "\ufeffWEBVTT - made elsewhere\r\n\r\nNOTE a comment\r\n\r\nintro\r\n00:01.000 --> 00:02.000 align:start\r\n<b>Hello</b>\r\nthere\r\n"
    assert parse_vtt(text) == [Cue(1.0, 2.0, "<b>Hello</b>\nthere")]


@pytest.mark.parametrize(
    ("text", "error"),
    [("1\n00:00:01,000 --> 00:00:02,000\nhi\n", "WEBVTT"), ("WEBVTT\n\n00:00:03.000 --> 00:00:02.000\nbackwards\n", "start < end"), ("WEBVTT\n\nno timing here\n", "timing")],
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
    assert wrap_caption("要点：第一，定期测量血压，每周至少三次，每次测量两遍。", 16) == ["要点：第一，定期测量血压，", "每周至少三次，每次测量两遍。"]
    lines = wrap_caption("血压持续高于一百四十毫米汞柱即为高血压。", 16)
    assert len(lines) == 2 and len(lines[-1]) > 2


def test_english_wrapping_on_spaces():
    assert wrap_caption(CUES[1].text, 42) == ["Keep your blood pressure below 140 over 90", "millimetres of mercury, every day."]


def test_cue_times_are_validated():
    with pytest.raises(SubtitleError):
        Cue(2.0, 1.0, "x")
    with pytest.raises(SubtitleError, match="no text"):
        format_vtt([Cue(0, 1, "  ")])
    assert format_srt([]) == "\n"
