"""Engine registry and fallback chains such as ``["edge", "espeak"]``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from media_pipeline.speech.languages import UnsupportedLanguageError, speech_language
from media_pipeline.speech.readings import PronunciationLexicon
from media_pipeline.tts.base import (
    EngineUnavailableError,
    SpeechEngine,
    SynthesisError,
    SynthesisResult,
    SynthesisSettings,
    TTSError,
)
from media_pipeline.tts.edge import EdgeTTSEngine
from media_pipeline.tts.espeak import EspeakEngine
from media_pipeline.tts.tencent import TencentTTSEngine

ENGINE_CLASSES: dict[str, type[SpeechEngine]] = {
    EspeakEngine.name: EspeakEngine,
    EdgeTTSEngine.name: EdgeTTSEngine,
    TencentTTSEngine.name: TencentTTSEngine,
}
DEFAULT_ENGINE_NAMES: tuple[str, ...] = ("espeak",)


class UnknownEngineError(TTSError, LookupError):
    """An engine name that is not registered in :data:`ENGINE_CLASSES`."""


@dataclass(frozen=True)
class FallbackAttempt:
    """An engine that was tried and failed, and why."""

    engine: str
    error: str


class NoEngineAvailableError(TTSError):
    """Every engine of the chain failed; ``attempts`` says how."""

    def __init__(self, attempts: Sequence[FallbackAttempt]):
        self.attempts = tuple(attempts)
        detail = "; ".join(f"{a.engine}: {a.error}" for a in self.attempts)
        super().__init__(f"no text-to-speech engine could synthesise the text ({detail})")


@dataclass(frozen=True)
class VoiceChoice:
    """Preferred voice per engine name; engines not listed use their default voice."""

    voices: Mapping[str, str] = field(default_factory=dict)

    def for_engine(self, engine_name: str) -> str | None:
        return self.voices.get(engine_name)


def create_engine(name: str, **options: Any) -> SpeechEngine:
    """Instantiate a registered engine, e.g. ``create_engine("edge", endpoint=...)``."""
    try:
        engine_class = ENGINE_CLASSES[name]
    except KeyError:
        raise UnknownEngineError(f"unknown TTS engine {name!r}; known: {', '.join(sorted(ENGINE_CLASSES))}") from None
    return engine_class(**options)


@dataclass(frozen=True)
class EngineChain:
    """Engines in order of preference; later ones are used when earlier ones fail."""

    engines: tuple[SpeechEngine, ...]

    def __post_init__(self) -> None:
        if not self.engines:
            raise ValueError("an engine chain needs at least one engine")
        names = [engine.name for engine in self.engines]
        if len(set(names)) != len(names):
            raise ValueError(f"engine chain lists an engine twice: {names}")

    @classmethod
    def from_names(
        cls, names: Sequence[str] = DEFAULT_ENGINE_NAMES, options: Mapping[str, Mapping[str, Any]] | None = None
    ) -> EngineChain:
        """Build from names; ``options`` maps an engine name to its constructor arguments."""
        options = options or {}
        unknown = set(options) - set(names)
        if unknown:
            raise ValueError(f"options given for engines not in the chain: {sorted(unknown)}")
        return cls(tuple(create_engine(name, **options.get(name, {})) for name in names))

    def plan(self, language: str, voice_choice: VoiceChoice | None = None) -> list[tuple[SpeechEngine, str]]:
        """(engine, voice id) pairs to try, in order, validated before any synthesis.

        A voice explicitly chosen for an engine must exist (VoiceNotAvailableError);
        an engine without voices for the language is skipped, and if none has
        any, UnsupportedLanguageError is raised.
        """
        lang = speech_language(language)
        voice_choice = voice_choice or VoiceChoice()
        plan: list[tuple[SpeechEngine, str]] = []
        for engine in self.engines:
            if not engine.voices(lang):
                continue
            plan.append((engine, engine.resolve_voice(lang, voice_choice.for_engine(engine.name))))
        if not plan:
            names = ", ".join(engine.name for engine in self.engines)
            raise UnsupportedLanguageError(f"no engine in the chain ({names}) has voices for {language!r}")
        return plan

    def synthesize(
        self,
        text: str,
        language: str,
        voice_choice: VoiceChoice | None = None,
        settings: SynthesisSettings | None = None,
        lexicon: PronunciationLexicon | None = None,
    ) -> tuple[SynthesisResult, tuple[FallbackAttempt, ...]]:
        """Synthesise one text with the first engine that works; also return the failed attempts."""
        settings = settings or SynthesisSettings()
        attempts: list[FallbackAttempt] = []
        for engine, voice in self.plan(language, voice_choice):
            try:
                return engine.synthesize(text, voice, settings, lexicon), tuple(attempts)
            except (EngineUnavailableError, SynthesisError) as exc:
                attempts.append(FallbackAttempt(engine.name, str(exc)))
        raise NoEngineAvailableError(attempts)
