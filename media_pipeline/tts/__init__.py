"""Text-to-speech engines behind one interface, plus fallback chains."""

from media_pipeline.speech.languages import UnsupportedLanguageError
from media_pipeline.tts.base import (
    Boundary,
    EngineConfigurationError,
    EngineUnavailableError,
    SpeechEngine,
    SynthesisError,
    SynthesisResult,
    SynthesisSettings,
    TTSError,
    Voice,
    VoiceNotAvailableError,
)
from media_pipeline.tts.chain import (
    DEFAULT_ENGINE_NAMES,
    ENGINE_CLASSES,
    EngineChain,
    FallbackAttempt,
    NoEngineAvailableError,
    UnknownEngineError,
    VoiceChoice,
    create_engine,
)
from media_pipeline.tts.edge import EdgeTTSEngine
from media_pipeline.tts.espeak import EspeakEngine
from media_pipeline.tts.tencent import TencentTTSEngine

__all__ = [
    "DEFAULT_ENGINE_NAMES",
    "ENGINE_CLASSES",
    "Boundary",
    "EdgeTTSEngine",
    "EngineChain",
    "EngineConfigurationError",
    "EngineUnavailableError",
    "EspeakEngine",
    "FallbackAttempt",
    "NoEngineAvailableError",
    "SpeechEngine",
    "SynthesisError",
    "SynthesisResult",
    "SynthesisSettings",
    "TTSError",
    "TencentTTSEngine",
    "UnknownEngineError",
    "UnsupportedLanguageError",
    "Voice",
    "VoiceChoice",
    "VoiceNotAvailableError",
    "create_engine",
]
