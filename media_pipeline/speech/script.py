"""Turn an :class:`ArticleDocument` into a speech script: what the narrator says, in order.

Each block becomes one :class:`SpeechParagraph` (one audio clip, cached
separately, so editing one block re-synthesises one clip). Paragraphs keep
display text and speech text sentence by sentence so captions can show what
the article says ("140/90 mmHg") while the voice says it in words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cms.core.documents import ArticleDocument, DocumentBlock
from media_pipeline.speech.chinese_numbers import integer_to_chinese
from media_pipeline.speech.glossary import Glossary
from media_pipeline.speech.languages import SpeechLanguage, speech_language
from media_pipeline.speech.spoken_text import split_sentences, to_spoken_text

__all__ = [
    "SpeechSettings",
    "SpeechSentence",
    "SpeechParagraph",
    "SpeechScript",
    "SpeechWording",
    "build_speech_script",
]


@dataclass(frozen=True)
class SpeechSettings:
    """Editorial choices about what is read aloud."""

    read_title: bool = True
    read_summary: bool = False
    read_image_captions: bool = False
    read_references: bool = False
    announce_key_points: bool = True  # "要点：" / "Key points:" before the list
    announce_warnings: bool = True  # "请注意：" / "Important:" before a warning


@dataclass(frozen=True)
class SpeechSentence:
    """One caption line's worth of text, as displayed and as spoken."""

    display: str
    speech: str


@dataclass(frozen=True)
class SpeechParagraph:
    """One clip of narration, made from one article block (or the title)."""

    id: str
    text_for_display: str
    text_for_speech: str
    block_id: str
    kind: str
    sentences: tuple[SpeechSentence, ...] = ()


@dataclass(frozen=True)
class SpeechScript:
    language: SpeechLanguage
    paragraphs: tuple[SpeechParagraph, ...]


@dataclass(frozen=True)
class SpeechWording:
    """The words the narrator adds before a block, in the script's language.

    The Django side translates them (media_pipeline.article_renders.speech_wording); the
    defaults are the catalogue's English source strings, for callers without Django. The
    colon that follows each is the language's own (see ``_LEAD_IN_END``).
    """

    key_points: str = "Key points"
    warning: str = "Important"
    question: str = "Question"
    answer: str = "Answer"
    references: str = "References"
    image: str = "Image"


#: What ends a lead-in ("要点：", "Key points:") and a sentence, per language: punctuation, not words.
_LEAD_IN_END: dict[SpeechLanguage, str] = {"zh": "：", "en": ":"}
_STOP: dict[SpeechLanguage, str] = {"zh": "。", "en": "."}
_EN_ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth")
_LEADING_MARKER = re.compile(r"^\s*(?:[•·\-–—*●○▪]|\(?\d{1,2}[.)、．]|（\d{1,2}）|[一二三四五六七八九十]+、)\s*")
_ENDS_WITH_STOP = re.compile(r"[。！？!?.…:：;；]$")
_ALREADY_WARNS = re.compile(r"^\s*(注意|警告|请注意|重要|warning|important|caution|note)\b", re.IGNORECASE)


def _ordinal(index: int, language: SpeechLanguage) -> str:
    if language == "zh":
        return f"第{integer_to_chinese(index)}，"
    word = _EN_ORDINALS[index - 1] if index <= len(_EN_ORDINALS) else f"Number {index}"
    return f"{word},"


def _with_stop(text: str, language: SpeechLanguage) -> str:
    """End with punctuation so the engine pauses and the sentence splitter sees an end."""
    text = text.strip()
    return text if not text or _ENDS_WITH_STOP.search(text) else text + _STOP[language]


def _join(parts: list[str], language: SpeechLanguage) -> str:
    return ("" if language == "zh" else " ").join(p for p in parts if p)


class _ParagraphBuilder:
    """Collects display sentences for one block and speaks each of them."""

    def __init__(self, language: SpeechLanguage, glossary: Glossary | None):
        self.language = language
        self.glossary = glossary
        self.sentences: list[SpeechSentence] = []

    def add(self, text: str, *, prefix: str = "") -> None:
        """Add ``prefix`` + ``text`` (prefix glued to the first sentence)."""
        text = _with_stop(text, self.language)
        if not text:
            return
        pieces = split_sentences(text, self.language)
        if prefix and pieces:
            sep = "" if self.language == "zh" else " "
            pieces[0] = f"{prefix}{sep}{pieces[0]}"
        for piece in pieces:
            spoken = to_spoken_text(piece, self.language, self.glossary)
            if spoken:
                self.sentences.append(SpeechSentence(display=piece, speech=spoken))

    def add_items(self, items: tuple[str, ...]) -> None:
        cleaned = [_LEADING_MARKER.sub("", item).strip() for item in items]
        cleaned = [item for item in cleaned if item]
        numbered = len(cleaned) > 1
        for index, item in enumerate(cleaned, start=1):
            self.add(item, prefix=_ordinal(index, self.language) if numbered else "")

    def build(self, paragraph_id: str, block_id: str, kind: str) -> SpeechParagraph | None:
        if not self.sentences:
            return None
        return SpeechParagraph(
            id=paragraph_id,
            text_for_display=_join([s.display for s in self.sentences], self.language),
            text_for_speech=_join([s.speech for s in self.sentences], self.language),
            block_id=block_id,
            kind=kind,
            sentences=tuple(self.sentences),
        )


def _lead_ins(wording: SpeechWording, language: SpeechLanguage) -> dict[str, str]:
    end = _LEAD_IN_END[language]
    return {
        name: f"{getattr(wording, name).strip().rstrip(':：')}{end}"
        for name in ("key_points", "warning", "question", "answer", "references", "image")
    }


def _speak_block(
    block: DocumentBlock, builder: _ParagraphBuilder, settings: SpeechSettings, phrases: dict[str, str]
) -> None:
    if block.kind in ("heading", "paragraph"):
        builder.add(block.text)
    elif block.kind == "list":
        if block.text:
            builder.add(block.text)
        builder.add_items(block.items)
    elif block.kind == "key_points":
        if block.items and settings.announce_key_points:
            builder.add(phrases["key_points"])
        builder.add_items(block.items)
    elif block.kind == "warning":
        needs_intro = settings.announce_warnings and not _ALREADY_WARNS.search(block.text)
        builder.add(block.text, prefix=phrases["warning"] if needs_intro else "")
    elif block.kind == "qa":
        builder.add(block.text, prefix=phrases["question"])
        builder.add(block.answer, prefix=phrases["answer"])
    elif block.kind == "references":
        if settings.read_references and block.items:
            builder.add(phrases["references"])
            builder.add_items(block.items)
    elif block.kind == "image":
        caption = block.image.caption if block.image else ""
        if settings.read_image_captions and caption:
            builder.add(caption, prefix=phrases["image"])
    else:
        raise ValueError(f"unknown article block kind {block.kind!r} (block {block.block_id or '?'})")


def build_speech_script(
    document: ArticleDocument,
    settings: SpeechSettings | None = None,
    glossary: Glossary | None = None,
    wording: SpeechWording | None = None,
) -> SpeechScript:
    """Speech script for ``document``: one paragraph per spoken block, in reading order.

    Blocks with nothing to say (images without a read caption, references
    when not read, empty text) produce no paragraph. ``wording``: the lead-in
    words ("Key points", "Important") in the article's language.
    """
    settings = settings or SpeechSettings()
    language = speech_language(document.language)
    phrases = _lead_ins(wording or SpeechWording(), language)
    paragraphs: list[SpeechParagraph] = []

    def emit(builder: _ParagraphBuilder, paragraph_id: str, block_id: str, kind: str) -> None:
        paragraph = builder.build(paragraph_id, block_id, kind)
        if paragraph is not None:
            paragraphs.append(paragraph)

    if settings.read_title and document.title.strip():
        builder = _ParagraphBuilder(language, glossary)
        builder.add(document.title)
        emit(builder, "title", "", "title")
    if settings.read_summary and document.summary.strip():
        builder = _ParagraphBuilder(language, glossary)
        builder.add(document.summary)
        emit(builder, "summary", "", "summary")
    for index, block in enumerate(document.blocks):
        builder = _ParagraphBuilder(language, glossary)
        _speak_block(block, builder, settings, phrases)
        block_id = block.block_id or f"block-{index}"
        emit(builder, block_id, block.block_id, block.kind)
    return SpeechScript(language=language, paragraphs=tuple(paragraphs))
