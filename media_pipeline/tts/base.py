"""The one text-to-speech interface every engine implements."""

from __future__ import annotations

import io
import wave
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from media_pipeline.speech.languages import SpeechLanguage, UnsupportedLanguageError, speech_language
from media_pipeline.speech.readings import PronunciationLexicon

__all__ = [
    "Boundary",
    "ClipBuilder",
    "EngineConfigurationError",
    "EngineUnavailableError",
    "SpeechEngine",
    "SynthesisError",
    "SynthesisResult",
    "SynthesisSettings",
    "TTSError",
    "UnsupportedLanguageError",
    "Voice",
    "VoiceNotAvailableError",
]


class TTSError(Exception):
    """Base class of text-to-speech failures."""


class VoiceNotAvailableError(TTSError, LookupError):
    """The requested voice does not exist for this engine and language (a configuration error)."""


class EngineUnavailableError(TTSError):
    """The engine cannot be used right now (binary missing, service unreachable); try the next one."""


class EngineConfigurationError(EngineUnavailableError):
    """The engine refuses this installation (credentials, account, settings): retrying will not help.

    The chain still falls back to the next engine, but the reason names the
    setting to fix rather than an outage.
    """


class SynthesisError(TTSError):
    """The engine ran but returned no usable audio for this text."""


@dataclass(frozen=True)
class Voice:
    id: str  # what the engine is given, e.g. "cmn-latn-pinyin" or "zh-CN-XiaoxiaoNeural"
    language: SpeechLanguage
    label: str  # shown to editors
    gender: Literal["female", "male", "neutral"] = "neutral"


@dataclass(frozen=True)
class SynthesisSettings:
    """Voice tuning that changes the audio (and therefore the cache key)."""

    rate_percent: int = 0  # -50 (slower) .. +100 (faster)
    pitch_hz: int = 0  # -50 .. +50
    volume_percent: int = 0  # -50 .. +50; the final mix is loudness-normalised anyway

    def __post_init__(self) -> None:
        for name, low, high in (("rate_percent", -50, 100), ("pitch_hz", -50, 50), ("volume_percent", -50, 50)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise ValueError(f"SynthesisSettings.{name} must be an integer in [{low}, {high}], got {value!r}")


@dataclass(frozen=True)
class Boundary:
    """When a word or sentence of the input text is spoken, relative to the clip start."""

    kind: Literal["word", "sentence"]
    text: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class SynthesisResult:
    audio: bytes
    audio_format: Literal["wav", "mp3"]
    engine: str
    voice: str
    boundaries: tuple[Boundary, ...] = field(default=())


class ClipBuilder:
    """One synthesised clip put together from the pieces an engine receives.

    The online engines get a paragraph's speech in pieces: edge-tts streams MP3
    frames and the boundaries the service measured, Tencent answers each
    request-sized chunk of text with a WAV, whose length is that chunk's
    sentence boundary. This is the loop they share: append the audio, keep the
    boundaries on the clip's clock, refuse an empty clip, make the result.
    """

    def __init__(self, engine: str, voice: str, audio_format: Literal["wav", "mp3"], *, sample_rate: int = 0):
        if audio_format == "wav" and sample_rate <= 0:
            raise ValueError("a WAV clip is built from 16-bit mono frames and needs their sample rate")
        self.engine, self.voice, self.audio_format, self.sample_rate = engine, voice, audio_format, sample_rate
        self._audio = bytearray()  # MP3 frames, or 16-bit mono PCM frames for a WAV clip
        self.boundaries: list[Boundary] = []

    @property
    def duration_s(self) -> float:
        """The length of the PCM frames so far (MP3 pieces come with the service's own timings)."""
        return len(self._audio) / 2 / self.sample_rate if self.audio_format == "wav" else 0.0

    def add_audio(self, data: bytes) -> None:
        self._audio += data

    def add_boundary(self, boundary: Boundary) -> None:
        self.boundaries.append(boundary)

    def add_sentence(self, text: str, frames: bytes) -> None:
        """PCM frames speaking ``text``, after what the clip holds: one sentence boundary spanning them."""
        start = self.duration_s
        self._audio += frames
        self.boundaries.append(Boundary("sentence", text, start, self.duration_s))

    def result(self, *, empty: str) -> SynthesisResult:
        """The clip; ``empty`` is the SynthesisError's reason when no audio came."""
        if not self._audio:
            raise SynthesisError(empty)
        audio = bytes(self._audio)
        if self.audio_format == "wav":
            out = io.BytesIO()
            with wave.open(out, "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(self.sample_rate)
                wav.writeframes(audio)
            audio = out.getvalue()
        return SynthesisResult(
            audio=audio,
            audio_format=self.audio_format,
            engine=self.engine,
            voice=self.voice,
            boundaries=tuple(self.boundaries),
        )


class SpeechEngine(ABC):
    """A text-to-speech engine with a fixed catalogue of voices per language."""

    name: ClassVar[str]
    _voices: ClassVar[dict[SpeechLanguage, tuple[Voice, ...]]]

    def voices(self, language: str) -> tuple[Voice, ...]:
        """Voices this engine offers for ``language``; the first is the default."""
        return self._voices.get(speech_language(language), ())

    def resolve_voice(self, language: str, voice: str | None = None) -> str:
        """Validate ``voice`` for ``language`` (or pick the default) and return its id."""
        lang = speech_language(language)
        available = self.voices(lang)
        if not available:
            raise UnsupportedLanguageError(f"engine {self.name!r} has no voices for language {language!r}")
        if voice is None or voice == "":
            return available[0].id
        if any(v.id == voice for v in available):
            return voice
        known = ", ".join(v.id for v in available)
        raise VoiceNotAvailableError(
            f"engine {self.name!r} has no voice {voice!r} for language {lang!r}; available: {known}"
        )

    def pronunciation_key(self, text: str, voice: str, lexicon: PronunciationLexicon | None) -> str | None:
        """What of ``lexicon`` (and the reading rules) changes this engine's audio for ``text``.

        ``None``: the engine reads the text its own way and ignores the
        lexicon, so a lexicon change never invalidates its cached clips.
        """
        return None

    @abstractmethod
    def synthesize(
        self, text: str, voice: str, settings: SynthesisSettings, lexicon: PronunciationLexicon | None = None
    ) -> SynthesisResult:
        """Speak ``text`` with ``voice`` (an id from :meth:`voices`), using ``lexicon`` where the engine can.

        Raises EngineUnavailableError when the engine cannot be reached or run
        (EngineConfigurationError when it refuses the set-up), SynthesisError
        when it produced no audio.
        """

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
