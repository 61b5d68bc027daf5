"""From an article revision to media files: the settings-aware glue around the plain stages.

Each render kind is one :class:`KindRenderer` (voice, video in two
orientations, share images). They read the revision through
``Article.as_document()``, call the plain stage functions
(:func:`~media_pipeline.render.voice.render_voice`, :func:`~media_pipeline.render.video.render_video`,
:func:`~media_pipeline.render.share_images.render_share_images`) into a scratch
folder and describe the files they produced; :mod:`media_pipeline.jobs`
stores those files and records the job. Nothing here touches job state.

Settings read here (all optional):

``KEPU_TTS_ENGINES``
    engine names in order of preference, default ``["espeak"]`` (offline);
    production: ``["tencent", "espeak"]`` or ``["edge", "espeak"]``.
``KEPU_TTS_ENGINE_OPTIONS``
    constructor options per engine, e.g. ``{"edge": {"endpoint": "wss://…"}}``;
    the ``tencent`` options come from the ``KEPU_TENCENT_TTS_*`` variables.
``KEPU_TTS_CACHE_DIR``
    per-paragraph audio cache, default ``VAR_DIR/cache/tts`` (outside
    MEDIA_ROOT: cached clips are not public files).
``KEPU_VIDEO_MUSIC_BED``
    ``True`` puts a soft synthesised pad under the narration, ducked while
    the voice speaks (:mod:`media_pipeline.render.music`); default ``False``.

The share link printed on end cards and QR codes is not a setting: the app
that makes public links registers it (:mod:`media_pipeline.share_urls`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from cms.core.documents import ArticleDocument
from cms.core.languages import ENGLISH, site_language
from media_pipeline.models import FailureKind, OutputRole, PronunciationEntry, RenderKind
from media_pipeline.render.ffmpeg import FFmpegError
from media_pipeline.render.fonts import MissingFontError
from media_pipeline.render.share_images import COVER_SIZE, POSTER_SIZE, render_share_images
from media_pipeline.render.slides import SlideWording
from media_pipeline.render.subtitles import Cue
from media_pipeline.render.video import EncodeSettings, VideoRenderError, render_video
from media_pipeline.render.voice import EmptyScriptError, RecordedNarration, render_voice
from media_pipeline.speech import SpeechSettings, SpeechWording, build_speech_script, speech_language
from media_pipeline.tts import (
    ENGINE_CLASSES,
    EngineChain,
    NoEngineAvailableError,
    UnknownEngineError,
    UnsupportedLanguageError,
    VoiceChoice,
    VoiceNotAvailableError,
    create_engine,
)

logger = logging.getLogger(__name__)

DEFAULT_TTS_ENGINES: tuple[str, ...] = ("espeak",)

#: called with (percent within this render, stage description)
ProgressReport = Callable[[int, str], None]


class RenderCancelled(Exception):
    """Raised from a progress report when someone asked to cancel the render."""


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class ProducedFile:
    """A file a renderer wrote into its scratch folder, with what the feeds and players need."""

    role: OutputRole
    path: Path
    mime_type: str
    duration: float | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class NarrationInput:
    """The finished narration of the same revision, fetched to a local file for the video."""

    mp3_path: Path
    duration_s: float
    cues: tuple[Cue, ...]


@dataclass(frozen=True)
class RenderProduct:
    files: tuple[ProducedFile, ...]
    engine: str = ""
    voice: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RevisionInput:
    """What a renderer gets: the revision's document plus per-article choices."""

    document: ArticleDocument
    voice_preference: str = ""  # article narration_voice, else the doctor's preferred_voice
    narration: NarrationInput | None = None
    recordings: Mapping[str, RecordedNarration] = field(default_factory=dict)  # the doctor's voice, by paragraph id


class KindRenderer(Protocol):
    """Renders one kind of media for a revision into ``work_dir``."""

    def __call__(self, source: RevisionInput, work_dir: Path, report: ProgressReport) -> RenderProduct: ...


# --------------------------------------------------------------------------- settings


def engine_chain_from_settings() -> EngineChain:
    names = list(getattr(settings, "KEPU_TTS_ENGINES", DEFAULT_TTS_ENGINES))
    options: Mapping[str, Mapping[str, Any]] = getattr(settings, "KEPU_TTS_ENGINE_OPTIONS", {}) or {}
    try:
        return EngineChain.from_names(names, {name: opts for name, opts in options.items() if name in names})
    except (UnknownEngineError, ValueError) as exc:
        raise ImproperlyConfigured(f"KEPU_TTS_ENGINES / KEPU_TTS_ENGINE_OPTIONS: {exc}") from exc


def tts_cache_dir() -> Path:
    configured = getattr(settings, "KEPU_TTS_CACHE_DIR", None)
    if configured:
        return Path(configured)
    base = getattr(settings, "VAR_DIR", None) or Path(settings.MEDIA_ROOT).parent
    return Path(base) / "cache" / "tts"


def voice_choice_for(voice_id: str, chain: EngineChain, language: str) -> tuple[VoiceChoice | None, list[str]]:
    """Turn the one voice id an editor typed into a per-engine choice.

    A voice of an engine in the chain is used for that engine (the others
    keep their default voice, so fallback still works). A voice of a known
    engine that is not configured here (e.g. an edge voice while only espeak
    runs) falls back to the default voice with a warning. A voice nobody
    knows, or one for another language, is a configuration error.
    """
    voice_id = voice_id.strip()
    if not voice_id:
        return None, []
    lang = speech_language(language)
    for engine in chain.engines:
        if any(voice.id == voice_id for voice in engine.voices(lang)):
            return VoiceChoice({engine.name: voice_id}), []
    in_chain = {engine.name for engine in chain.engines}
    for name in ENGINE_CLASSES:
        engine = next((e for e in chain.engines if e.name == name), None) or create_engine(name)
        for other_lang in ("zh", "en"):
            if any(voice.id == voice_id for voice in engine.voices(other_lang)):
                if other_lang != lang:
                    raise VoiceNotAvailableError(
                        f"narration voice {voice_id!r} speaks {other_lang!r}, but the article is in {language!r}"
                    )
                if name not in in_chain:
                    return None, [
                        f"narration voice {voice_id!r} belongs to the {name!r} engine, which is not configured "
                        f"(KEPU_TTS_ENGINES = {sorted(in_chain)}); the default voice was used"
                    ]
    known = ", ".join(voice.id for engine in chain.engines for voice in engine.voices(lang))
    raise VoiceNotAvailableError(f"unknown narration voice {voice_id!r}; voices for {language!r}: {known}")


# --------------------------------------------------------------------------- failures


def describe_failure(exc: BaseException) -> tuple[FailureKind, str]:
    """A failure kind and a reason an editor can act on (ffmpeg's own words included)."""
    if isinstance(exc, (VoiceNotAvailableError, UnsupportedLanguageError)):
        return FailureKind.VOICE, str(exc)
    if isinstance(exc, NoEngineAvailableError):
        return FailureKind.ENGINE, str(exc)
    if isinstance(exc, FFmpegError):
        return FailureKind.FFMPEG, str(exc)
    if isinstance(exc, MissingFontError):
        return FailureKind.FONT, f"missing font: {exc}"
    if isinstance(exc, ImproperlyConfigured):
        return FailureKind.INPUT, f"configuration error: {exc}"
    if isinstance(exc, (EmptyScriptError, VideoRenderError, ValueError)):
        return FailureKind.INPUT, str(exc)
    return FailureKind.INTERNAL, f"{type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------- wording


def slide_wording(language: str) -> SlideWording:
    """The fixed words of the slides and share images, in the article's language (the zh-Hans catalogue)."""
    with translation.override(site_language(language, default=ENGLISH)):
        return SlideWording(
            title=_("Patient education"),
            key_point=_("Key point %(index)d of %(count)d"),
            warning=pgettext("article label", "Important"),
            scan=_("Scan to read the full article"),
            ask_your_doctor=_("Questions? Ask your doctor."),
            question=pgettext("article label", "Question"),
            answer=pgettext("article label", "Answer"),
        )


def speech_wording(language: str) -> SpeechWording:
    """The words the narrator says before key points, warnings, Q&A…, in the article's language."""
    with translation.override(site_language(language, default=ENGLISH)):
        return SpeechWording(
            key_points=_("Key points"),
            warning=pgettext("article label", "Important"),
            question=pgettext("article label", "Question"),
            answer=pgettext("article label", "Answer"),
            references=_("References"),
            image=pgettext("spoken before a picture's caption", "Image"),
        )


# --------------------------------------------------------------------------- renderers


def render_narration(source: RevisionInput, work_dir: Path, report: ProgressReport) -> RenderProduct:
    document = source.document
    report(5, _("building the speech script"))
    # The summary is read only when the doctor recorded it (as a synthetic voice it repeats the article).
    script = build_speech_script(
        document, SpeechSettings(read_summary="summary" in source.recordings), wording=speech_wording(document.language)
    )
    chain = engine_chain_from_settings()
    choice, warnings = voice_choice_for(source.voice_preference, chain, document.language)
    chain.plan(script.language, choice)  # unknown language / voice fail here, before any synthesis
    report(
        15,
        ngettext(
            "synthesising %(count)d paragraph (%(engines)s)",
            "synthesising %(count)d paragraphs (%(engines)s)",
            len(script.paragraphs),
        )
        % {"count": len(script.paragraphs), "engines": ", ".join(e.name for e in chain.engines)},
    )
    result = render_voice(
        script,
        chain,
        choice,
        None,
        tts_cache_dir(),
        work_dir,
        basename="narration",
        lexicon=PronunciationEntry.lexicon(),
        recordings=source.recordings,
    )
    warnings += [f"TTS engine {a.engine} failed, fell back: {a.error}" for a in result.fallback_attempts]
    report(
        85,
        _("voiced with %(engine)s (%(new)d new, %(cached)d cached paragraphs, %(recorded)d in the doctor's voice)")
        % {
            "engine": result.engine_used,
            "new": result.synthesized,
            "cached": result.reused,
            "recorded": result.recorded,
        },
    )
    return RenderProduct(
        files=(
            ProducedFile(OutputRole.MP3, result.mp3_path, "audio/mpeg", duration=result.duration_s),
            ProducedFile(OutputRole.VTT, result.vtt_path, "text/vtt", duration=result.duration_s),
            ProducedFile(OutputRole.SRT, result.srt_path, "application/x-subrip", duration=result.duration_s),
        ),
        engine=result.engine_used,
        voice=result.voice_used,
        warnings=tuple(warnings),
    )


ORIENTATION_NAMES = {"portrait": gettext_lazy("portrait"), "landscape": gettext_lazy("landscape")}


def _video_renderer(orientation: str) -> KindRenderer:
    def render(source: RevisionInput, work_dir: Path, report: ProgressReport) -> RenderProduct:
        if source.narration is None:
            raise VideoRenderError("a video needs the narration of the same revision, and there is none")
        report(
            10,
            _("drawing slides and encoding the %(orientation)s video")
            % {"orientation": ORIENTATION_NAMES[orientation]},
        )
        result = render_video(
            source.document,
            source.narration,
            work_dir,
            orientation=orientation,
            basename=f"video-{orientation}",
            settings=EncodeSettings(music_bed=bool(getattr(settings, "KEPU_VIDEO_MUSIC_BED", False))),
            wording=slide_wording(source.document.language),
        )
        report(85, _("video encoded"))
        size = {"width": result.width, "height": result.height}
        return RenderProduct(
            files=(
                ProducedFile(OutputRole.MP4, result.mp4_path, "video/mp4", duration=result.duration_s, **size),
                *(
                    (
                        ProducedFile(
                            OutputRole.MP4_CAPTIONED,
                            result.captioned_mp4_path,
                            "video/mp4",
                            duration=result.duration_s,
                            **size,
                        ),
                    )
                    if result.captioned_mp4_path
                    else ()
                ),
                ProducedFile(OutputRole.POSTER, result.poster_path, "image/jpeg", **size),
                ProducedFile(OutputRole.VTT, result.vtt_path, "text/vtt", duration=result.duration_s),
                ProducedFile(OutputRole.SRT, result.srt_path, "application/x-subrip", duration=result.duration_s),
            ),
            warnings=result.warnings,
        )

    return render


def render_images(source: RevisionInput, work_dir: Path, report: ProgressReport) -> RenderProduct:
    report(10, _("drawing the cover and the poster"))
    result = render_share_images(
        source.document, work_dir, basename="share", wording=slide_wording(source.document.language)
    )
    report(85, _("share images drawn"))
    return RenderProduct(
        files=(
            ProducedFile(OutputRole.COVER, result.cover_path, "image/png", width=COVER_SIZE[0], height=COVER_SIZE[1]),
            ProducedFile(
                OutputRole.POSTER_IMAGE, result.poster_path, "image/png", width=POSTER_SIZE[0], height=POSTER_SIZE[1]
            ),
        ),
        warnings=result.warnings,
    )


RENDERERS: dict[str, KindRenderer] = {
    RenderKind.VOICE: render_narration,
    RenderKind.VIDEO_PORTRAIT: _video_renderer("portrait"),
    RenderKind.VIDEO_LANDSCAPE: _video_renderer("landscape"),
    RenderKind.IMAGES: render_images,
}


def voice_preference_for(article: Any) -> str:
    """The article's own narration voice, else its doctor's preferred voice, else "" (default)."""
    doctor = getattr(article, "doctor", None)
    return (article.narration_voice or "").strip() or (getattr(doctor, "preferred_voice", "") or "").strip()


def warnings_of(items: Sequence[str]) -> list[str]:
    """De-duplicated, order kept."""
    return list(dict.fromkeys(item for item in items if item))
