"""A local stand-in for Tencent Cloud TTS (``TextToVoice``, API version 2019-08-23).

As strict as the real endpoint where the studio depends on it: the
TC3-HMAC-SHA256 signature and common headers (:mod:`tests.fakes.tencent_cloud`:
a wrong key, an unknown SecretId, a timestamp more than five minutes off and
missing headers are refused with Tencent's codes), the action and version,
the parameters' documented ranges (VoiceType from its catalogue, Codec,
SampleRate, Speed [-2, 6], Volume [-10, 10], PrimaryLanguage), the text limit
(150 characters for Chinese, 500 for English, counted outside SSML tags) and
the SSML (well-formed ``<speak>``; ``<phoneme alphabet="py">`` with one
syllable per character). It answers base64 WAV (or PCM) audio: a tone per
character with short gaps, so its length follows the text and its loudness
can be measured. MP3 is not synthesised here and is refused as unsupported.

Switches: ``fail_next(code, times=)`` for request-level errors,
``clock_offset_s`` for a server clock that is ahead of the client's.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import math
import re
import struct
import threading
import time
import uuid
import wave
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .local_http import KeepAliveHandler, LocalHttpFake
from .tencent_cloud import tc3_request_error, tencent_error

__all__ = ["FakeTencentTTSServer", "TtsRequest"]

_TEXT_LIMITS = {1: 150, 2: 500}
_SAMPLE_RATES = (8000, 16000, 24000)
_SYLLABLE = re.compile(r"^[a-zü]+[1-5]$")
_HANZI = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class TtsRequest:
    text: str  # as sent, SSML included
    plain_text: str  # what is spoken
    voice_type: int
    speed: float
    volume: float
    sample_rate: int
    codec: str
    phonemes: tuple[tuple[str, str], ...]  # (characters, ph) of each <phoneme>


class _Handler(KeepAliveHandler):
    def do_POST(self) -> None:  # noqa: N802
        answer = self.server.fake._handle(self.command, self.path, self.headers, self.read_body())
        self.write_json(200, {"Response": answer})  # Tencent reports errors in the body with HTTP 200


@dataclass
class FakeTencentTTSServer(LocalHttpFake):
    handler_class: ClassVar[type[KeepAliveHandler]] = _Handler

    secret_id: str = "AKIDfakettsid0123456789abcdef"
    secret_key: str = "fake-tts-secret-key-0123456789"
    voice_types: frozenset[int] = frozenset({101001, 101002, 101004, 101013, 101050, 101051, 301000})
    max_clock_skew_s: int = 300
    clock_offset_s: float = 0.0
    seconds_per_character: float = 0.16
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list, init=False)  # headers, body, auth error
    served: list[TtsRequest] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._scripted: list[str] = []

    @property
    def endpoint(self) -> str:
        return self.base_url

    def fail_next(self, code: str, *, times: int = 1) -> None:
        with self._lock:
            self._scripted.extend([code] * times)

    # --- protocol ---------------------------------------------------------------------

    def _handle(self, method: str, path: str, headers: Any, raw: bytes) -> dict[str, Any]:
        request_id = str(uuid.uuid4())
        auth_error = tc3_request_error(
            method,
            path,
            headers,
            raw,
            secret_id=self.secret_id,
            secret_key=self.secret_key,
            service="tts",
            max_clock_skew_s=self.max_clock_skew_s,
            now=time.time() + self.clock_offset_s,
        )
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with self._lock:
            self.requests.append({"headers": dict(headers.items()), "body": body, "auth_error": auth_error})
            if auth_error:
                return tencent_error(auth_error, "authentication failed", request_id)
            if headers.get("X-TC-Action") != "TextToVoice":
                return tencent_error("InvalidAction", "the action does not exist", request_id)
            if headers.get("X-TC-Version") != "2019-08-23":
                return tencent_error("NoSuchVersion", "the version does not exist", request_id)
            if not isinstance(body, dict):
                return tencent_error("InvalidParameter", "body is not a JSON object", request_id)
            if self._scripted:
                return tencent_error(self._scripted.pop(0), "scripted error", request_id)
        return self._text_to_voice(body, request_id)

    def _text_to_voice(self, body: dict[str, Any], request_id: str) -> dict[str, Any]:
        for name in ("Text", "SessionId"):
            if not isinstance(body.get(name), str) or not body[name]:
                return tencent_error("MissingParameter", f"{name} is required", request_id)
        voice_type = body.get("VoiceType", 101001)
        language = body.get("PrimaryLanguage", 1)
        codec = body.get("Codec", "wav")
        rate = body.get("SampleRate", 16000)
        speed = body.get("Speed", 0)
        volume = body.get("Volume", 0)
        checks = (
            (voice_type in self.voice_types, "InvalidParameterValue.VoiceType", "voice type not available"),
            (language in _TEXT_LIMITS, "InvalidParameterValue.PrimaryLanguage", "PrimaryLanguage is 1 or 2"),
            (codec in ("wav", "mp3", "pcm"), "InvalidParameterValue.Codec", "Codec is wav, mp3 or pcm"),
            (rate in _SAMPLE_RATES, "InvalidParameterValue.SampleRate", "SampleRate is 8000, 16000 or 24000"),
            (isinstance(speed, (int, float)) and -2 <= speed <= 6, "InvalidParameterValue.Speed", "Speed in [-2, 6]"),
            (
                isinstance(volume, (int, float)) and -10 <= volume <= 10,
                "InvalidParameterValue.Volume",
                "Volume in [-10, 10]",
            ),
        )
        for ok, code, message in checks:
            if not ok:
                return tencent_error(code, message, request_id)
        if codec == "mp3":
            return tencent_error("UnsupportedOperation", "this fake does not encode MP3", request_id)
        text = body["Text"]
        try:
            plain, phonemes = _read_ssml(text)
        except ValueError as exc:
            return tencent_error("InvalidParameter.InvalidText", str(exc), request_id)
        if not plain.strip():
            return tencent_error("InvalidParameterValue.TextEmpty", "nothing to speak", request_id)
        if len(plain) > _TEXT_LIMITS[language]:
            return tencent_error(
                "InvalidParameterValue.TextTooLong",
                f"{len(plain)} characters, at most {_TEXT_LIMITS[language]}",
                request_id,
            )
        audio = self._speech(plain, rate, codec)
        with self._lock:
            self.served.append(
                TtsRequest(text, plain, voice_type, float(speed), float(volume), rate, codec, tuple(phonemes))
            )
        return {
            "Audio": base64.b64encode(audio).decode(),
            "SessionId": body["SessionId"],
            "Subtitles": [],
            "RequestId": request_id,
        }

    def _speech(self, text: str, rate: int, codec: str) -> bytes:
        """A 180-260 Hz tone per spoken character and a short gap after each; silence for punctuation."""
        step = int(rate * self.seconds_per_character)
        pause = b"\0\0" * (step // 2)
        samples = b"".join(
            pause if char.isspace() or not char.isalnum() else _syllable_tone(rate, step, 180 + 20 * (index % 5))
            for index, char in enumerate(text)
        )
        if codec == "pcm":
            return samples
        out = io.BytesIO()
        with wave.open(out, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            wav.writeframes(samples)
        return out.getvalue()


@functools.lru_cache(maxsize=64)
def _syllable_tone(rate: int, step: int, pitch: int) -> bytes:
    voiced = int(step * 0.8)
    tone = b"".join(
        struct.pack("<h", int(9000 * math.sin(math.pi * n / voiced) * math.sin(2 * math.pi * pitch * n / rate)))
        for n in range(voiced)
    )
    return tone + b"\0\0" * (step - voiced)


def _read_ssml(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The spoken text and the <phoneme> readings of ``text`` (plain text or one ``<speak>`` document)."""
    if "<" not in text:
        return text, []
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ValueError(f"SSML is not well-formed: {exc}") from exc
    if root.tag != "speak" or root.attrib:
        raise ValueError("SSML must be one <speak> element without attributes")
    phonemes: list[tuple[str, str]] = []
    for element in root.iter():
        if element.tag == "speak":
            continue
        if element.tag != "phoneme":
            raise ValueError(f"tag <{element.tag}> is not supported here")
        chars, ph = element.text or "", element.get("ph", "")
        if element.get("alphabet") != "py":
            raise ValueError('<phoneme> needs alphabet="py"')
        syllables = ph.replace("v", "ü").split()
        if len(syllables) != len(_HANZI.findall(chars)) or not all(_SYLLABLE.match(s) for s in syllables):
            raise ValueError(f"<phoneme ph={ph!r}> does not give one syllable per character of {chars!r}")
        phonemes.append((chars, ph))
    return "".join(root.itertext()), phonemes
