"""Voice render end to end: real MP3s checked with ffprobe, captions parsed back, incremental cache."""

import json
import re
import subprocess
from dataclasses import replace

import pytest

from cms.core.documents import ArticleDocument, DocumentBlock
from media_pipeline.render.ffmpeg import ffmpeg_exe
from media_pipeline.render.subtitles import parse_vtt
from media_pipeline.render.voice import EmptyScriptError, VoiceRenderSettings, render_voice
from media_pipeline.speech import SpeechScript, build_speech_script, default_glossary
from media_pipeline.tts import (
    EngineChain,
    NoEngineAvailableError,
    UnsupportedLanguageError,
    VoiceChoice,
    VoiceNotAvailableError,
)
from tests.fakes.edge_tts_server import FakeEdgeTTSServer
from tests.subrip import parse_srt

pytestmark = pytest.mark.slow

ZH_DOC = ArticleDocument(
    title="高血压的日常管理",
    language="zh-hans",
    blocks=(
        DocumentBlock("paragraph", text="血压持续高于140/90 mmHg即为高血压。约50%的患者没有症状。", block_id="p1"),
        DocumentBlock("list", items=("按时服药", "每日食盐少于5 g"), block_id="l1"),
        DocumentBlock("qa", text="可以自行停药吗？", answer="不可以。", block_id="q1"),
    ),
)
EN_DOC = ArticleDocument(
    title="Living with high blood pressure",
    language="en",
    blocks=(
        DocumentBlock(
            "paragraph", text="Keep your blood pressure below 140/90 mmHg. Take 5 mg once a day.", block_id="p1"
        ),
        DocumentBlock("warning", text="Call your doctor if you feel dizzy.", block_id="w1"),
    ),
)


def ffprobe(path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True, check=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout)


def mean_volume_db(path) -> float:
    out = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(path), "-af", "volumedetect", "-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    return float(re.search(r"mean_volume:\s*(-?[\d.]+) dB", out.stderr).group(1))


def integrated_loudness(path) -> float:
    out = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(path), "-af", "ebur128", "-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    return float(re.findall(r"I:\s*(-?[\d.]+) LUFS", out.stderr)[-1])


def assert_real_voice_files(result, script: SpeechScript):
    probe = ffprobe(result.mp3_path)
    assert probe["streams"][0]["codec_name"] == "mp3"
    assert float(probe["format"]["duration"]) == pytest.approx(result.duration_s, abs=0.5)
    assert mean_volume_db(result.mp3_path) > -35  # not silent
    assert integrated_loudness(result.mp3_path) == pytest.approx(-16, abs=2.5)

    vtt_cues = parse_vtt(result.vtt_path.read_text(encoding="utf-8"))
    srt_cues = parse_srt(result.srt_path.read_text(encoding="utf-8"))
    expected = [s.display for p in script.paragraphs for s in p.sentences]
    # Line wrapping may drop the space it broke at; compare without whitespace.
    assert ["".join(c.text.split()) for c in vtt_cues] == ["".join(text.split()) for text in expected]
    assert [(c.start, c.end) for c in vtt_cues] == [(c.start, c.end) for c in srt_cues]
    assert [(c.start, c.end) for c in vtt_cues] == [(c.start, c.end) for c in result.cues]
    assert all(a.end <= b.start + 1e-6 for a, b in zip(vtt_cues, vtt_cues[1:], strict=False))  # ordered, no overlap
    assert vtt_cues[-1].end <= result.duration_s + 0.1
    assert vtt_cues[-1].end > result.duration_s - 1.0  # captions run to the end of the speech


@pytest.mark.parametrize(("doc", "voice"), [(ZH_DOC, "cmn-latn-pinyin"), (EN_DOC, "en-us")])
def test_espeak_render_produces_mp3_and_captions(doc, voice, tmp_path):
    script = build_speech_script(doc, glossary=default_glossary())
    result = render_voice(script, EngineChain.from_names(["espeak"]), None, None, tmp_path / "cache", tmp_path / "out")
    assert (result.engine_used, result.voice_used) == ("espeak", voice)
    assert (result.synthesized, result.reused) == (len(script.paragraphs), 0)
    assert [t.paragraph_id for t in result.paragraphs] == [p.id for p in script.paragraphs]
    assert_real_voice_files(result, script)


def test_chinese_captions_are_wrapped(tmp_path):
    script = build_speech_script(ZH_DOC)
    settings = VoiceRenderSettings(max_caption_line_chars=8)
    result = render_voice(
        script, EngineChain.from_names(["espeak"]), None, settings, tmp_path / "cache", tmp_path / "out"
    )
    lines = [line for cue in parse_vtt(result.vtt_path.read_text(encoding="utf-8")) for line in cue.text.split("\n")]
    assert all("\n" not in cue.text for cue in result.cues)  # wrapping happens in the files only
    assert len(lines) > len(result.cues)
    # Chinese characters per line within the limit (Latin counts half; closing punctuation may hang).
    assert all(len(re.sub(r"[A-Za-z0-9/ .%，。？！：]", "", line)) <= 8 for line in lines)


def test_rerender_synthesises_only_the_changed_paragraph(tmp_path):
    chain = EngineChain.from_names(["espeak"])
    script = build_speech_script(ZH_DOC)
    first = render_voice(script, chain, None, None, tmp_path / "cache", tmp_path / "v1")
    assert (first.synthesized, first.reused) == (4, 0)

    again = render_voice(script, chain, None, None, tmp_path / "cache", tmp_path / "v2")
    assert (again.synthesized, again.reused) == (0, 4)
    assert again.duration_s == pytest.approx(first.duration_s, abs=0.05)

    edited_blocks = (
        replace(ZH_DOC.blocks[0], text="血压持续高于140/90 mmHg即为高血压。大多数患者早期没有任何症状，需要定期测量。"),
    ) + ZH_DOC.blocks[1:]
    edited = build_speech_script(replace(ZH_DOC, blocks=edited_blocks))
    third = render_voice(edited, chain, None, None, tmp_path / "cache", tmp_path / "v3")
    assert (third.synthesized, third.reused) == (1, 3)
    assert third.duration_s > first.duration_s
    assert any("需要定期测量" in cue.text for cue in third.cues)

    # Settings that change the audio invalidate the cache; caption settings do not.
    slower = VoiceRenderSettings(synthesis=replace(VoiceRenderSettings().synthesis, rate_percent=-20))
    assert render_voice(edited, chain, None, slower, tmp_path / "cache", tmp_path / "v4").synthesized == 4
    wrapped = VoiceRenderSettings(max_caption_line_chars=10)
    assert render_voice(edited, chain, None, wrapped, tmp_path / "cache", tmp_path / "v5").synthesized == 0


def test_edge_render_uses_service_boundaries(tmp_path):
    with FakeEdgeTTSServer() as server:
        chain = EngineChain.from_names(["edge", "espeak"], {"edge": {"endpoint": server.endpoint}})
        script = build_speech_script(EN_DOC)
        result = render_voice(
            script, chain, VoiceChoice({"edge": "en-US-GuyNeural"}), None, tmp_path / "cache", tmp_path / "out"
        )
        assert server.errors == []
    assert (result.engine_used, result.voice_used, result.fallback_attempts) == ("edge", "en-US-GuyNeural", ())
    assert_real_voice_files(result, script)
    # The fake service times each sentence by its length: the two sentences of p1 are not split evenly by
    # character count but follow the service's SentenceBoundary offsets.
    p1 = next(t for t in result.paragraphs if t.paragraph_id == "p1")
    first, second = [c for c in result.cues if p1.start <= c.start < p1.end]
    assert first.start == pytest.approx(p1.start, abs=0.01)
    assert second.start == pytest.approx(first.end, abs=0.01)


def test_edge_down_falls_back_to_espeak_and_records_it(tmp_path):
    with FakeEdgeTTSServer(fail_with_status=503) as outage:
        chain = EngineChain.from_names(["edge", "espeak"], {"edge": {"endpoint": outage.endpoint}})
        script = build_speech_script(ZH_DOC)
        result = render_voice(script, chain, None, None, tmp_path / "cache", tmp_path / "out")
    assert (result.engine_used, result.voice_used) == ("espeak", "cmn-latn-pinyin")
    assert [a.engine for a in result.fallback_attempts] == ["edge"]
    assert "503" in result.fallback_attempts[0].error
    assert_real_voice_files(result, script)


def test_render_errors_are_specific(tmp_path):
    chain = EngineChain.from_names(["espeak"])
    script = build_speech_script(EN_DOC)
    with pytest.raises(VoiceNotAvailableError):
        render_voice(script, chain, VoiceChoice({"espeak": "klingon"}), None, tmp_path / "c", tmp_path / "o")
    with pytest.raises(EmptyScriptError):
        render_voice(SpeechScript(language="en", paragraphs=()), chain, None, None, tmp_path / "c", tmp_path / "o")
    with pytest.raises(UnsupportedLanguageError):
        render_voice(
            SpeechScript(language="fr", paragraphs=script.paragraphs), chain, None, None, tmp_path / "c", tmp_path / "o"
        )
    broken = EngineChain.from_names(["espeak"], {"espeak": {"executable": "no-such-espeak"}})
    with pytest.raises(NoEngineAvailableError):
        render_voice(script, broken, None, None, tmp_path / "c", tmp_path / "o")
