"""TTS engines behind one interface: espeak-ng for real, edge-tts against a local fake service."""

import json
import socket
import subprocess
import wave
from io import BytesIO

import pytest

from media_pipeline.tts import (
    EdgeTTSEngine,
    EngineChain,
    EngineUnavailableError,
    EspeakEngine,
    NoEngineAvailableError,
    SynthesisError,
    SynthesisSettings,
    UnknownEngineError,
    UnsupportedLanguageError,
    VoiceChoice,
    VoiceNotAvailableError,
    create_engine,
)
from tests.fakes.edge_tts_server import FakeEdgeTTSServer


@pytest.fixture(scope="module")
def edge_server():
    with FakeEdgeTTSServer() as server:
        yield server


@pytest.fixture
def closed_port_endpoint():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more
    return f"ws://127.0.0.1:{port}/consumer/speech/synthesize/readaloud/edge/v1"


def _ffprobe(data: bytes, tmp_path, suffix: str) -> dict:
    path = tmp_path / f"audio.{suffix}"
    path.write_bytes(data)
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True, check=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout)


@pytest.mark.parametrize(
    ("language", "text"), [("zh-hans", "高血压患者每日服药两次。"), ("en", "Take your tablets twice a day.")]
)
def test_espeak_speaks_both_languages(language, text):
    engine = EspeakEngine()
    result = engine.synthesize(text, engine.resolve_voice(language), SynthesisSettings())
    assert result.audio_format == "wav" and result.engine == "espeak"
    with wave.open(BytesIO(result.audio)) as wav:
        samples = wav.readframes(wav.getnframes() or 10**7)  # espeak streams with an open-ended size
    assert len(samples) > 22050  # over half a second of speech
    assert max(abs(int.from_bytes(samples[i : i + 2], "little", signed=True)) for i in range(0, len(samples), 2)) > 1000


def test_espeak_rate_setting_changes_speaking_time():
    engine = EspeakEngine()
    text = "Measure your blood pressure every morning before breakfast."
    normal = engine.synthesize(text, "en-us", SynthesisSettings())
    faster = engine.synthesize(text, "en-us", SynthesisSettings(rate_percent=60))
    assert len(faster.audio) < len(normal.audio) * 0.8


def test_voices_per_language_and_clear_errors():
    engine = EspeakEngine()
    assert engine.resolve_voice("zh-hans") == "cmn-latn-pinyin"
    assert engine.resolve_voice("en") == "en-us"
    assert {v.id for v in EdgeTTSEngine().voices("zh")} >= {"zh-CN-XiaoxiaoNeural"}
    assert EdgeTTSEngine().resolve_voice("en") == "en-US-JennyNeural"
    with pytest.raises(VoiceNotAvailableError, match="no voice 'fr-FR-DeniseNeural'"):
        EdgeTTSEngine().resolve_voice("en", "fr-FR-DeniseNeural")
    with pytest.raises(UnsupportedLanguageError):
        engine.resolve_voice("fr")
    with pytest.raises(UnknownEngineError, match="azure"):
        create_engine("azure")
    with pytest.raises(ValueError, match="rate_percent"):
        SynthesisSettings(rate_percent=500)


def test_espeak_missing_binary_is_engine_unavailable():
    with pytest.raises(EngineUnavailableError, match="not found"):
        EspeakEngine(executable="espeak-ng-not-installed").synthesize("hi", "en-us", SynthesisSettings())


def test_edge_client_talks_to_the_service_protocol(edge_server, tmp_path):
    engine = EdgeTTSEngine(endpoint=edge_server.endpoint)
    result = engine.synthesize(
        "高血压很常见。请按时服药！", "zh-CN-XiaoxiaoNeural", SynthesisSettings(rate_percent=10, pitch_hz=-5)
    )
    assert edge_server.errors == []
    request = edge_server.requests[-1]
    assert (request.voice, request.text, request.rate, request.pitch, request.boundary) == (
        "zh-CN-XiaoxiaoNeural", "高血压很常见。请按时服药！", "+10%", "-5Hz", "SentenceBoundary",
    )  # fmt: skip
    assert result.audio_format == "mp3" and result.engine == "edge"
    probe = _ffprobe(result.audio, tmp_path, "mp3")
    assert probe["streams"][0]["codec_name"] == "mp3"
    assert probe["streams"][0]["sample_rate"] == "24000"
    assert [b.text for b in result.boundaries] == ["高血压很常见。", "请按时服药！"]
    assert result.boundaries[0].start_s == 0 and result.boundaries[1].start_s == pytest.approx(
        result.boundaries[0].end_s
    )
    assert float(probe["format"]["duration"]) == pytest.approx(result.boundaries[-1].end_s, abs=0.2)


def test_edge_word_boundaries(edge_server):
    engine = EdgeTTSEngine(endpoint=edge_server.endpoint, boundary="WordBoundary")
    result = engine.synthesize("Take your tablets.", "en-US-JennyNeural", SynthesisSettings())
    assert [b.text for b in result.boundaries] == ["Take", "your", "tablets."]
    assert all(b.kind == "word" for b in result.boundaries)


def test_edge_unknown_voice_on_the_service_is_a_synthesis_error(edge_server):
    with pytest.raises(SynthesisError, match="no audio"):
        EdgeTTSEngine(endpoint=edge_server.endpoint).synthesize("Hello.", "en-US-RetiredNeural", SynthesisSettings())


def test_edge_service_down_is_engine_unavailable(closed_port_endpoint):
    with pytest.raises(EngineUnavailableError, match="unreachable"):
        EdgeTTSEngine(endpoint=closed_port_endpoint, connect_timeout=2).synthesize(
            "Hello.", "en-US-JennyNeural", SynthesisSettings()
        )
    with FakeEdgeTTSServer(fail_with_status=503) as outage, pytest.raises(EngineUnavailableError, match="503"):
        EdgeTTSEngine(endpoint=outage.endpoint).synthesize("Hello.", "en-US-JennyNeural", SynthesisSettings())


def test_edge_endpoint_must_be_a_websocket_url():
    with pytest.raises(ValueError, match="ws://"):
        EdgeTTSEngine(endpoint="http://example.org/tts")


def test_chain_uses_first_working_engine(edge_server):
    chain = EngineChain.from_names(["edge", "espeak"], {"edge": {"endpoint": edge_server.endpoint}})
    result, attempts = chain.synthesize("Hello there.", "en")
    assert (result.engine, result.voice, attempts) == ("edge", "en-US-JennyNeural", ())


def test_chain_falls_back_to_espeak_and_records_why(closed_port_endpoint):
    chain = EngineChain.from_names(
        ["edge", "espeak"], {"edge": {"endpoint": closed_port_endpoint, "connect_timeout": 2}}
    )
    result, attempts = chain.synthesize("你好。", "zh-hans", VoiceChoice({"edge": "zh-CN-YunxiNeural"}))
    assert (result.engine, result.voice) == ("espeak", "cmn-latn-pinyin")
    assert [a.engine for a in attempts] == ["edge"] and "unreachable" in attempts[0].error


def test_chain_reports_every_failure_when_nothing_works(closed_port_endpoint):
    chain = EngineChain.from_names(
        ["edge", "espeak"],
        {"edge": {"endpoint": closed_port_endpoint, "connect_timeout": 2}, "espeak": {"executable": "no-such-espeak"}},
    )
    with pytest.raises(NoEngineAvailableError) as excinfo:
        chain.synthesize("Hello.", "en")
    assert [a.engine for a in excinfo.value.attempts] == ["edge", "espeak"]


def test_chain_validates_chosen_voices_before_synthesising():
    chain = EngineChain.from_names(["edge", "espeak"])
    with pytest.raises(VoiceNotAvailableError, match="en-us"):
        chain.plan("en", VoiceChoice({"espeak": "en-au-nonexistent"}))
    with pytest.raises(ValueError, match="twice"):
        EngineChain((EspeakEngine(), EspeakEngine()))
