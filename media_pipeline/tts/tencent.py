"""Tencent Cloud TTS (语音合成, ``TextToVoice``, API 2019-08-23) through the official Python SDK.

For hospitals that have a Tencent Cloud account: neural Mandarin voices
served from China. Configured by environment variables (see
``kepu/settings/base.py``): ``KEPU_TENCENT_TTS_SECRET_ID`` /
``KEPU_TENCENT_TTS_SECRET_KEY`` (a CAM key allowed to call TTS),
``KEPU_TENCENT_TTS_REGION``, ``KEPU_TENCENT_TTS_VOICE_TYPE`` (the default
Chinese voice, any 音色 ID the account may use) and
``KEPU_TENCENT_TTS_ENDPOINT`` (``tts.tencentcloudapi.com``; an
``http://host:port`` URL points at a proxy or a test server).

``TextToVoice`` takes at most 150 Chinese characters (500 English letters)
per request, so a paragraph is sent in chunks cut at sentence and clause
ends; the WAV answers are joined, and each chunk becomes a sentence boundary
for the captions.

Pronunciation lexicon: applied as SSML ``<phoneme alphabet="py" ph="chong2
fu4">重复</phoneme>`` inside ``<speak>`` (Tencent's SSML for the basic
synthesis). Speed and volume map onto the API's scales; pitch has no
parameter in ``TextToVoice`` and is ignored.

Errors are classed by Tencent's code: authentication, account and parameter
codes are :class:`EngineConfigurationError` (retrying will not help; the
chain falls back and the reason says what to fix), throttling, internal and
network errors are retried a few times and then
:class:`EngineUnavailableError`, and codes about the text itself are
:class:`SynthesisError`.
"""

from __future__ import annotations

import base64
import io
import re
import time
import uuid
import wave
from collections.abc import Sequence
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.tts.v20190823 import models, tts_client

from media_pipeline.speech.languages import SpeechLanguage, speech_language
from media_pipeline.speech.readings import PronunciationLexicon
from media_pipeline.tts.base import (
    ClipBuilder,
    EngineConfigurationError,
    EngineUnavailableError,
    SpeechEngine,
    SynthesisError,
    SynthesisResult,
    SynthesisSettings,
    Voice,
)

__all__ = ["TencentTTSEngine", "MAX_CHARS", "classify_error"]

DEFAULT_ENDPOINT = "tts.tencentcloudapi.com"
DEFAULT_REGION = "ap-guangzhou"
SAMPLE_RATE = 16000
#: TextToVoice's limit per request, in characters outside SSML tags
MAX_CHARS: dict[SpeechLanguage, int] = {"zh": 150, "en": 500}
_PRIMARY_LANGUAGE: dict[SpeechLanguage, int] = {"zh": 1, "en": 2}
# Speed: the API's documented points (value -> times normal speed), interpolated in between.
_SPEED_POINTS = ((-2.0, 0.6), (-1.0, 0.8), (0.0, 1.0), (1.0, 1.2), (2.0, 1.5), (6.0, 2.5))
_CHUNK_END = re.compile(r"(?<=[。！？!?；;…])|(?<=[，,、：:])|(?<=\.\s)")

_CONFIGURATION_CODES = (
    "AuthFailure",
    "UnauthorizedOperation",
    "UnsupportedOperation",
    "UnsupportedRegion",
    "InvalidAction",
    "NoSuchVersion",
    "MissingParameter",
    "UnknownParameter",
    "IpInBlacklist",
    "IpNotInWhitelist",
    "LimitExceeded",
    "InvalidParameterValue.AppId",
    "InvalidParameterValue.VoiceType",
    "InvalidParameterValue.Codec",
    "InvalidParameterValue.SampleRate",
    "InvalidParameterValue.Speed",
    "InvalidParameterValue.Volume",
    "InvalidParameterValue.PrimaryLanguage",
    "InvalidParameterValue.ModelType",
    "InvalidParameterValue.ProjectId",
)
_TEXT_CODES = ("InvalidParameter.InvalidText", "InvalidParameterValue")  # after the configuration codes
_RETRYABLE_CODES = (
    "RequestLimitExceeded",
    "InternalError",
    "ServiceUnavailable",
    "ResourceUnavailable",
    "ResourceInsufficient",
    "FailedOperation",
    "ClientNetworkError",
    "ServerNetworkError",
)


def classify_error(code: str) -> type[EngineUnavailableError] | type[SynthesisError]:
    """The studio's error class for a Tencent error code (``"AuthFailure.SignatureFailure"`` ...)."""

    def matches(prefixes: Sequence[str]) -> bool:
        return any(code == p or code.startswith(p + ".") for p in prefixes)

    if matches(_CONFIGURATION_CODES):
        return EngineConfigurationError
    if matches(_TEXT_CODES):
        return SynthesisError
    return EngineUnavailableError  # retryable codes and anything unknown: an outage until proven otherwise


def _speed(rate_percent: int) -> float:
    factor = 1 + rate_percent / 100
    if factor <= _SPEED_POINTS[0][1]:
        return _SPEED_POINTS[0][0]
    for (v0, f0), (v1, f1) in zip(_SPEED_POINTS, _SPEED_POINTS[1:], strict=False):
        if factor <= f1:
            return round(v0 + (v1 - v0) * (factor - f0) / (f1 - f0), 2)
    return _SPEED_POINTS[-1][0]


def split_for_requests(text: str, limit: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` characters, at sentence ends, else clause ends."""
    pieces = [p for p in _CHUNK_END.split(text) if p]
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        while len(piece) > limit:  # one clause longer than a request: cut it hard
            if current:
                chunks.append(current)
                current = ""
            chunks.append(piece[:limit])
            piece = piece[limit:]
        if len(current) + len(piece) > limit:
            chunks.append(current)
            current = ""
        current += piece
    if current.strip():
        chunks.append(current)
    return [c for c in chunks if c.strip()]


def to_ssml(text: str, lexicon: PronunciationLexicon | None) -> str:
    """``text`` as the request's Text: plain, or ``<speak>`` with a ``<phoneme>`` per lexicon term it contains."""
    if lexicon is None or not (matches := lexicon.find(text)):
        return text
    out: list[str] = []
    position = 0
    for match in matches:
        out.append(escape(text[position : match.start()]))
        reading = " ".join(lexicon.entries[match.group(0)]).replace("ü", "v")
        out.append(f'<phoneme alphabet="py" ph={quoteattr(reading)}>{escape(match.group(0))}</phoneme>')
        position = match.end()
    out.append(escape(text[position:]))
    return "<speak>" + "".join(out) + "</speak>"


class TencentTTSEngine(SpeechEngine):
    name = "tencent"
    _voices = {
        "zh": (
            Voice("101001", "zh", "智瑜 (腾讯云, 女声)", "female"),
            Voice("101004", "zh", "智云 (腾讯云, 男声)", "male"),
            Voice("101002", "zh", "智聆 (腾讯云, 女声)", "female"),
            Voice("101013", "zh", "智辉 (腾讯云, 男声)", "male"),
        ),
        "en": (
            Voice("101051", "en", "WeRose (Tencent Cloud, female)", "female"),
            Voice("101050", "en", "WeJack (Tencent Cloud, male)", "male"),
        ),
    }

    def __init__(
        self,
        *,
        secret_id: str = "",
        secret_key: str = "",
        region: str = DEFAULT_REGION,
        voice_type: str | int | None = None,
        endpoint: str = DEFAULT_ENDPOINT,
        timeout: int = 30,
        retry_delays_s: Sequence[float] = (0.5, 2.0),
    ):
        self.secret_id = secret_id.strip()
        self.secret_key = secret_key.strip()
        self.region = region.strip() or DEFAULT_REGION
        self.timeout = timeout
        self.retry_delays_s = tuple(retry_delays_s)
        parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"Tencent TTS endpoint must be a host name or an http(s) URL, got {endpoint!r}")
        self.scheme, self.host = parts.scheme, parts.netloc
        self.voice_type = str(voice_type).strip() if voice_type not in (None, "") else ""
        if self.voice_type and not self.voice_type.isdigit():
            raise ValueError(f"Tencent TTS voice type must be a number (音色 ID), got {voice_type!r}")

    def voices(self, language: str) -> tuple[Voice, ...]:
        """The catalogue, with the configured voice type first (an account may use voices not listed here)."""
        listed = super().voices(language)
        if not self.voice_type or speech_language(language) != "zh":
            return listed
        configured = next((v for v in listed if v.id == self.voice_type), None)
        configured = configured or Voice(self.voice_type, "zh", f"腾讯云音色 {self.voice_type}")
        return (configured, *(v for v in listed if v.id != self.voice_type))

    def pronunciation_key(self, text: str, voice: str, lexicon: PronunciationLexicon | None) -> str | None:
        return (lexicon or PronunciationLexicon()).fingerprint(text)

    def _client(self) -> tts_client.TtsClient:
        if not (self.secret_id and self.secret_key):
            raise EngineConfigurationError(
                "Tencent Cloud TTS is not configured: set KEPU_TENCENT_TTS_SECRET_ID and KEPU_TENCENT_TTS_SECRET_KEY"
            )
        http = HttpProfile(protocol=self.scheme, endpoint=self.host, reqTimeout=self.timeout)
        return tts_client.TtsClient(
            credential.Credential(self.secret_id, self.secret_key), self.region, ClientProfile(httpProfile=http)
        )

    def _request(
        self, client: tts_client.TtsClient, text: str, voice: str, language: SpeechLanguage, settings: SynthesisSettings
    ) -> bytes:
        request = models.TextToVoiceRequest()
        request.Text = text
        request.SessionId = str(uuid.uuid4())
        request.VoiceType = int(voice)
        request.PrimaryLanguage = _PRIMARY_LANGUAGE[language]
        request.ModelType = 1
        request.Codec = "wav"
        request.SampleRate = SAMPLE_RATE
        request.Speed = _speed(settings.rate_percent)
        request.Volume = round(settings.volume_percent / 5, 2)
        delays = list(self.retry_delays_s)
        while True:
            try:
                response = client.TextToVoice(request)
                return base64.b64decode(response.Audio or "", validate=True)
            except TencentCloudSDKException as exc:
                code = exc.get_code() or "ClientNetworkError"
                error_class = classify_error(code)
                retryable = any(code == p or code.startswith(p + ".") for p in _RETRYABLE_CODES)
                if error_class is EngineUnavailableError and retryable and delays:
                    time.sleep(delays.pop(0))
                    continue
                # The SDK's message never holds the key; the request id lets Tencent support find the call.
                detail = f"Tencent Cloud TTS {code}: {exc.get_message()} (request {exc.get_request_id() or '-'})"
                raise error_class(detail) from exc
            except ValueError as exc:  # base64 or JSON the SDK could not read
                raise SynthesisError(f"Tencent Cloud TTS returned unreadable audio: {exc}") from exc

    def synthesize(
        self, text: str, voice: str, settings: SynthesisSettings, lexicon: PronunciationLexicon | None = None
    ) -> SynthesisResult:
        if not text.strip():
            raise SynthesisError("cannot synthesise empty text")
        language: SpeechLanguage = "en" if any(v.id == voice for v in self.voices("en")) else "zh"
        client = self._client()
        clip = ClipBuilder(self.name, voice, "wav", sample_rate=SAMPLE_RATE)
        for chunk in split_for_requests(text, MAX_CHARS[language]):
            audio = self._request(client, to_ssml(chunk, lexicon), voice, language, settings)
            try:
                with wave.open(io.BytesIO(audio), "rb") as wav:
                    if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
                        raise SynthesisError("Tencent Cloud TTS returned WAV audio that is not 16-bit mono")
                    rate = wav.getframerate()
                    data = wav.readframes(wav.getnframes())
            except (wave.Error, EOFError) as exc:
                raise SynthesisError(f"Tencent Cloud TTS returned audio that is not WAV: {exc}") from exc
            if rate != SAMPLE_RATE or not data:
                raise SynthesisError(f"Tencent Cloud TTS returned {len(data)} bytes of audio at {rate} Hz")
            clip.add_sentence(chunk.strip(), data)
        return clip.result(empty="Tencent Cloud TTS returned no audio")
