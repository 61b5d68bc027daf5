"""Tencent Cloud TTS through the official SDK, against a local TextToVoice server that checks TC3 signatures."""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import urllib.request

import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.tts.v20190823 import models, tts_client

import kepu.settings.base
from cms.core.documents import ArticleDocument, DocumentBlock
from media_pipeline.article_renders import engine_chain_from_settings
from media_pipeline.render.voice import render_voice
from media_pipeline.speech import build_speech_script
from media_pipeline.speech.readings import PronunciationLexicon
from media_pipeline.tts import (
    EngineChain,
    EngineConfigurationError,
    EngineUnavailableError,
    SynthesisError,
    SynthesisSettings,
    TencentTTSEngine,
    VoiceChoice,
)
from media_pipeline.tts.tencent import classify_error, split_for_requests
from tests.fakes.tencent_tts_server import FakeTencentTTSServer

LONG_PARAGRAPH = "高血压患者要每天早晚各测量一次血压，并把结果记在本子上。" * 8  # 232 characters


@pytest.fixture
def tts_server():
    with FakeTencentTTSServer() as server:
        yield server


def engine_for(server: FakeTencentTTSServer, **options) -> TencentTTSEngine:
    settings = {
        "secret_id": server.secret_id,
        "secret_key": server.secret_key,
        "endpoint": server.endpoint,
        "retry_delays_s": (0.01, 0.01),
    }
    return TencentTTSEngine(**{**settings, **options})


def ffprobe(path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        check=True,
        text=True,
    )
    return json.loads(out.stdout)


def sdk_client(server: FakeTencentTTSServer, secret_key: str | None = None) -> tts_client.TtsClient:
    http = HttpProfile(protocol="http", endpoint=f"{server.host}:{server.port}")
    return tts_client.TtsClient(
        credential.Credential(server.secret_id, secret_key or server.secret_key),
        "ap-guangzhou",
        ClientProfile(httpProfile=http),
    )


def test_speaks_a_paragraph_through_the_sdk_with_a_checked_signature(tts_server, tmp_path):
    result = engine_for(tts_server).synthesize(
        "请按时服药。血压平稳后也不要自行停药。", "101001", SynthesisSettings(rate_percent=20, volume_percent=10)
    )
    request = tts_server.requests[0]
    assert request["auth_error"] is None
    assert request["headers"]["X-TC-Action"] == "TextToVoice" and request["headers"]["X-TC-Region"] == "ap-guangzhou"
    served = tts_server.served[0]
    assert (served.voice_type, served.codec, served.sample_rate) == (101001, "wav", 16000)
    assert served.speed == pytest.approx(1.0) and served.volume == pytest.approx(2.0)  # 1.2 times, +10 %
    path = tmp_path / "clip.wav"
    path.write_bytes(result.audio)
    stream = ffprobe(path)["streams"][0]
    assert (stream["codec_name"], stream["sample_rate"], stream["channels"]) == ("pcm_s16le", "16000", 1)
    # 17 characters, and half a step of silence for each of the two full stops
    assert float(stream["duration"]) == pytest.approx(18 * tts_server.seconds_per_character, abs=0.05)
    assert (result.engine, result.voice, result.audio_format) == ("tencent", "101001", "wav")


def test_long_paragraphs_go_in_chunks_within_the_limit_and_become_one_clip(tts_server):
    result = engine_for(tts_server).synthesize(LONG_PARAGRAPH, "101004", SynthesisSettings())
    assert len(tts_server.served) == 2
    assert all(len(s.plain_text) <= 150 for s in tts_server.served)
    assert "".join(s.plain_text for s in tts_server.served) == LONG_PARAGRAPH  # cut at sentence ends, nothing lost
    assert [b.kind for b in result.boundaries] == ["sentence", "sentence"]
    assert result.boundaries[1].start_s == pytest.approx(result.boundaries[0].end_s)
    assert split_for_requests("短句。" * 3, 150) == ["短句。短句。短句。"]


def test_the_lexicon_goes_as_ssml_phonemes(tts_server):
    lexicon = PronunciationLexicon.from_pairs([("重复", "chong2 fu4"), ("咯血", "ka3 xie3")])
    engine = engine_for(tts_server)
    engine.synthesize("不要重复服药。咯血时请就医。", "101001", SynthesisSettings(), lexicon)
    served = tts_server.served[0]
    assert served.text.startswith("<speak>") and served.plain_text == "不要重复服药。咯血时请就医。"
    assert served.phonemes == (("重复", "chong2 fu4"), ("咯血", "ka3 xie3"))
    assert engine.pronunciation_key("不要重复服药。", "101001", lexicon) != engine.pronunciation_key(
        "不要重复服药。", "101001", PronunciationLexicon.from_pairs([("重复", "zhong4 fu4")])
    )


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"secret_key": "not-the-right-key"}, "AuthFailure.SignatureFailure"),
        ({"secret_id": "AKIDsomeoneelse"}, "AuthFailure.SecretIdNotFound"),
        ({"voice_type": "999999"}, "InvalidParameterValue.VoiceType"),
    ],
)
def test_auth_and_configuration_errors_are_not_retried(tts_server, options, code):
    engine = engine_for(tts_server, **options)
    with pytest.raises(EngineConfigurationError, match=code) as caught:
        engine.synthesize("你好。", engine.resolve_voice("zh"), SynthesisSettings())
    assert len(tts_server.requests) == 1
    assert "not-the-right-key" not in str(caught.value)


def test_an_expired_timestamp_is_refused(tts_server):
    tts_server.clock_offset_s = 301  # the server's clock is five minutes and a second ahead
    with pytest.raises(EngineConfigurationError, match="AuthFailure.SignatureExpire"):
        engine_for(tts_server).synthesize("你好。", "101001", SynthesisSettings())
    tts_server.clock_offset_s = 299
    engine_for(tts_server).synthesize("你好。", "101001", SynthesisSettings())


def test_the_fake_refuses_requests_without_the_signature_headers(tts_server):
    body = json.dumps({"Text": "你好", "SessionId": "s"}).encode()

    def post(headers):
        request = urllib.request.Request(
            tts_server.endpoint + "/", data=body, method="POST", headers={"Content-Type": "application/json", **headers}
        )
        with urllib.request.urlopen(request, timeout=5) as answer:
            return json.loads(answer.read())["Response"]["Error"]["Code"]

    assert (
        post({"X-TC-Action": "TextToVoice", "X-TC-Version": "2019-08-23", "X-TC-Timestamp": "1"})
        == "AuthFailure.InvalidAuthorization"
    )
    assert (
        post(
            {
                "Authorization": "TC3-HMAC-SHA256 Credential=x/2026-01-01/tts/tc3_request, "
                "SignedHeaders=content-type;host, Signature=" + "0" * 64,
                "X-TC-Action": "TextToVoice",
                "X-TC-Version": "2019-08-23",
            }
        )
        == "MissingParameter"
    )


def test_text_over_the_limit_is_refused_by_the_service_and_classed_as_a_text_error(tts_server):
    request = models.TextToVoiceRequest()
    request.Text, request.SessionId, request.VoiceType = "好" * 151, "s1", 101001
    with pytest.raises(TencentCloudSDKException) as caught:
        sdk_client(tts_server).TextToVoice(request)
    assert caught.value.get_code() == "InvalidParameterValue.TextTooLong"
    assert classify_error(caught.value.get_code()) is SynthesisError
    request.Text = '<speak>不要<phoneme alphabet="py" ph="chong2">重复</phoneme></speak>'
    with pytest.raises(TencentCloudSDKException, match="InvalidText|one syllable"):
        sdk_client(tts_server).TextToVoice(request)


def test_throttling_is_retried_and_a_lasting_outage_falls_back(tts_server):
    tts_server.fail_next("RequestLimitExceeded")
    engine_for(tts_server).synthesize("你好。", "101001", SynthesisSettings())
    assert len(tts_server.requests) == 2 and len(tts_server.served) == 1
    tts_server.fail_next("InternalError.ErrorGetRoute", times=5)
    with pytest.raises(EngineUnavailableError, match="InternalError") as caught:
        engine_for(tts_server).synthesize("你好。", "101001", SynthesisSettings())
    assert not isinstance(caught.value, EngineConfigurationError)
    assert len(tts_server.requests) == 5  # 2 before, then the first try and two retries


def test_unconfigured_engine_says_which_variables_to_set():
    with pytest.raises(EngineConfigurationError, match="KEPU_TENCENT_TTS_SECRET_ID"):
        TencentTTSEngine().synthesize("你好。", "101001", SynthesisSettings())


def test_in_the_chain_a_refused_key_falls_back_to_espeak_and_says_why(tts_server, tmp_path):
    document = ArticleDocument(
        title="按时服药",
        language="zh-hans",
        blocks=(DocumentBlock("paragraph", text="每日两次，饭后服用。", block_id="p1"),),
    )
    chain = EngineChain((engine_for(tts_server, secret_key="wrong"), *EngineChain.from_names(["espeak"]).engines))
    result = render_voice(build_speech_script(document), chain, None, None, tmp_path / "cache", tmp_path / "out")
    assert result.engine_used == "espeak"
    assert [a.engine for a in result.fallback_attempts] == ["tencent"]
    assert "AuthFailure.SignatureFailure" in result.fallback_attempts[0].error


def test_configured_from_the_environment_and_renders_the_narration(tts_server, tmp_path, settings, monkeypatch):
    for name, value in {
        "KEPU_TTS_ENGINES": "tencent,espeak",
        "KEPU_TENCENT_TTS_SECRET_ID": tts_server.secret_id,
        "KEPU_TENCENT_TTS_SECRET_KEY": tts_server.secret_key,
        "KEPU_TENCENT_TTS_REGION": "ap-shanghai",
        "KEPU_TENCENT_TTS_VOICE_TYPE": "301000",
        "KEPU_TENCENT_TTS_ENDPOINT": tts_server.endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    # A fresh read of the settings module with these variables (not registered, so nothing else sees it).
    spec = importlib.util.spec_from_file_location("kepu.settings.environment_probe", kepu.settings.base.__file__)
    base = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(base)
    engines, options = base.KEPU_TTS_ENGINES, base.KEPU_TTS_ENGINE_OPTIONS["tencent"]
    assert engines == ["tencent", "espeak"]
    assert options == {
        "secret_id": tts_server.secret_id,
        "secret_key": tts_server.secret_key,
        "region": "ap-shanghai",
        "voice_type": "301000",
        "endpoint": tts_server.endpoint,
    }
    settings.KEPU_TTS_ENGINES, settings.KEPU_TTS_ENGINE_OPTIONS = engines, {"tencent": options}
    chain = engine_chain_from_settings()
    assert chain.plan("zh-hans", VoiceChoice())[0][1] == "301000"  # the configured voice is the default
    document = ArticleDocument(
        title="按时服药",
        language="zh-hans",
        blocks=(
            DocumentBlock("paragraph", text="每日两次，饭后服用。", block_id="p1"),
            DocumentBlock("paragraph", text=LONG_PARAGRAPH, block_id="p2"),
        ),
    )
    result = render_voice(build_speech_script(document), chain, None, None, tmp_path / "cache", tmp_path / "out")
    assert (result.engine_used, result.voice_used) == ("tencent", "301000")
    assert tts_server.requests[0]["headers"]["X-TC-Region"] == "ap-shanghai"
    probe = ffprobe(result.mp3_path)
    assert probe["streams"][0]["codec_name"] == "mp3" and probe["streams"][0]["sample_rate"] == "24000"
    assert float(probe["format"]["duration"]) == pytest.approx(result.duration_s, abs=0.3)
    assert result.duration_s > (4 + 10 + len(LONG_PARAGRAPH)) * tts_server.seconds_per_character * 0.9


def test_an_unreachable_service_is_an_outage_not_a_configuration_error():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more
    engine = TencentTTSEngine(
        secret_id="AKIDx", secret_key="k", endpoint=f"http://127.0.0.1:{port}", timeout=2, retry_delays_s=(0.01,)
    )
    with pytest.raises(EngineUnavailableError, match="ClientNetworkError") as caught:
        engine.synthesize("你好。", "101001", SynthesisSettings())
    assert not isinstance(caught.value, EngineConfigurationError)
