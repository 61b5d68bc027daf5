"""Text prepared for speech: article blocks -> ordered paragraphs of speakable text."""

from media_pipeline.speech.glossary import (
    DEFAULT_GLOSSARY_PATH,
    Glossary,
    GlossaryEntry,
    GlossaryError,
    default_glossary,
)
from media_pipeline.speech.languages import SpeechLanguage, UnsupportedLanguageError, speech_language
from media_pipeline.speech.script import (
    SpeechParagraph,
    SpeechScript,
    SpeechSentence,
    SpeechSettings,
    SpeechWording,
    build_speech_script,
)
from media_pipeline.speech.spoken_text import split_sentences, to_spoken_text

__all__ = [
    "DEFAULT_GLOSSARY_PATH",
    "Glossary",
    "GlossaryEntry",
    "GlossaryError",
    "SpeechLanguage",
    "SpeechParagraph",
    "SpeechScript",
    "SpeechSentence",
    "SpeechSettings",
    "SpeechWording",
    "UnsupportedLanguageError",
    "build_speech_script",
    "default_glossary",
    "speech_language",
    "split_sentences",
    "to_spoken_text",
]
