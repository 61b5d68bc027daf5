"""The life of a render job: request (claim), run, cancel, retry, and chain video after narration.

Plain functions over :class:`~media_pipeline.models.MediaRender`; the Celery
tasks, the publish signal, the admin views and ``render_article`` all call
these, so each rule lives in one place:

* **one at a time** – a render is created only if no render of the same
  (revision, kind) is queued or running (a partial unique constraint makes
  the insert the claim), and a worker runs a queued render only after
  flipping it to running with a conditional UPDATE;
* **idempotent** – a succeeded render of the same revision and kind is
  reused unless ``force`` is given;
* **only approved content** – renders are made from the article's *live*
  revision (the one moderation approved), never from a draft;
* **chained** – a video waits for the narration of its revision: the voice
  render, when it finishes, dispatches the videos waiting for it, or fails /
  cancels them with the reason (nothing stays queued forever);
* **cancellable** – a queued render is cancelled at once (and its Celery
  task revoked); a running one stops at the next stage boundary;
* **retryable** – a failed or cancelled render can be queued again; every
  attempt's outcome is kept in ``attempt_log``;
* **announced** – once a succeeded render's files are stored and committed,
  :data:`media_pipeline.signals.outputs_published` says so (distribution
  refreshes what shows them).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from celery import current_app
from celery.utils import uuid
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.articles.models import Article
from cms.core.documents import ArticleDocument
from cms.core.outbox import enqueue
from cms.core.publication import approved_revision, approved_revision_id
from media_pipeline.article_renders import (
    RENDERERS,
    NarrationInput,
    ProgressReport,
    RenderCancelled,
    RenderProduct,
    RevisionInput,
    describe_failure,
    voice_preference_for,
    warnings_of,
)
from media_pipeline.models import (
    ACTIVE_STATUSES,
    VIDEO_KINDS,
    FailureKind,
    MediaOutput,
    MediaRender,
    OutputRole,
    RenderKind,
    RenderStatus,
)
from media_pipeline.render.subtitles import parse_vtt
from media_pipeline.render.voice import RecordedNarration
from media_pipeline.share_urls import share_url_for
from media_pipeline.signals import outputs_published

logger = logging.getLogger(__name__)

ALL_KINDS: tuple[str, ...] = (
    RenderKind.VOICE,
    RenderKind.VIDEO_PORTRAIT,
    RenderKind.VIDEO_LANDSCAPE,
    RenderKind.IMAGES,
)
DEFAULT_STALE_AFTER_S = 2 * 3600

#: the Celery task that runs one render (:mod:`media_pipeline.tasks` wraps :func:`run_render` under this
#: name); jobs send it by name, so the task module depends on this one and not the other way round
RENDER_TASK = "media_pipeline.render_media"

#: progress listener for in-process runs (the ``render_article`` progress bar): (render, percent, stage)
ProgressListener = Callable[[MediaRender, int, str], None]


class NotPublishedError(Exception):
    """Only an approved (live) revision is rendered; this article has none."""


class RenderConflictError(Exception):
    """Another render of the same revision and kind is already queued or running."""


@dataclass(frozen=True)
class RenderRequest:
    render: MediaRender
    created: bool  # False: an active or succeeded render was reused


# --------------------------------------------------------------------------- requesting


def _ordered_kinds(kinds: Iterable[str]) -> list[str]:
    wanted = set(kinds)
    unknown = wanted - set(ALL_KINDS)
    if unknown:
        raise ValueError(f"unknown render kinds {sorted(unknown)}; known: {list(ALL_KINDS)}")
    return [kind for kind in ALL_KINDS if kind in wanted]


def _claim_new(
    article: Any,
    revision: Any,
    kind: str,
    *,
    narration: MediaRender | None,
    force: bool,
    requested_by: Any,
    trigger: str,
) -> RenderRequest:
    """Create a queued render unless one is active (or, without force, already succeeded)."""
    base = MediaRender.objects.filter(revision=revision, kind=kind)
    active = base.filter(status__in=ACTIVE_STATUSES).first()
    if active is not None:
        return RenderRequest(active, False)
    if not force:
        done = base.filter(status=RenderStatus.SUCCEEDED).order_by("-finished_at", "-pk").first()
        if done is not None:
            return RenderRequest(done, False)
    try:
        with transaction.atomic():
            render = MediaRender.objects.create(
                article=article,
                revision=revision,
                kind=kind,
                narration=narration,
                forced=force,
                requested_by=requested_by if getattr(requested_by, "pk", None) else None,
                trigger=trigger,
                stage=_("waiting for the narration")
                if narration and narration.status != RenderStatus.SUCCEEDED
                else _("queued"),
            )
    except IntegrityError:  # lost the race to another trigger: use its render
        active = base.filter(status__in=ACTIVE_STATUSES).first()
        if active is None:
            raise
        return RenderRequest(active, False)
    return RenderRequest(render, True)


def request_renders(
    article: Any,
    kinds: Iterable[str] = ALL_KINDS,
    *,
    force: bool = False,
    requested_by: Any = None,
    trigger: str = "admin",
) -> list[RenderRequest]:
    """Queue renders of the article's live revision; reuse active or finished ones.

    Videos need narration: if no voice render of the revision exists or is
    under way, one is requested too. Nothing is sent to workers here; pass
    the result to :func:`dispatch_renders` (or run it in-process).
    """
    revision = approved_revision(article)
    if revision is None:
        raise NotPublishedError(
            f"article {article.pk} ({article.title!r}) is not published; only approved revisions are rendered"
        )
    kinds = _ordered_kinds(kinds)
    results: list[RenderRequest] = []
    narration: MediaRender | None = None
    needs_voice = RenderKind.VOICE in kinds or any(kind in VIDEO_KINDS for kind in kinds)
    if needs_voice:
        voice_forced = force and RenderKind.VOICE in kinds
        voice = _claim_new(
            article,
            revision,
            RenderKind.VOICE,
            narration=None,
            force=voice_forced,
            requested_by=requested_by,
            trigger=trigger,
        )
        narration = voice.render
        if RenderKind.VOICE in kinds or voice.created:
            results.append(voice)
    for kind in kinds:
        if kind == RenderKind.VOICE:
            continue
        results.append(
            _claim_new(
                article,
                revision,
                kind,
                narration=narration if kind in VIDEO_KINDS else None,
                force=force,
                requested_by=requested_by,
                trigger=trigger,
            )
        )
    return results


# --------------------------------------------------------------------------- dispatching


def _send(render: MediaRender) -> None:
    """Hand a queued render to a worker, at most once per queueing (conditional UPDATE)."""
    task_id = uuid()
    if not MediaRender.objects.filter(pk=render.pk, status=RenderStatus.QUEUED, celery_task_id="").update(
        celery_task_id=task_id
    ):
        return
    render.celery_task_id = task_id
    # The broker being down leaves the task in the outbox under the same id; the render stays queued.
    enqueue(current_app.tasks[RENDER_TASK], render.pk, task_id=task_id)


def dispatch_renders(renders: Iterable[MediaRender]) -> None:
    """Send every queued render whose narration (if any) is ready; settle those whose narration failed."""
    for render in renders:
        render.refresh_from_db()
        if render.status != RenderStatus.QUEUED:
            continue
        if render.narration_id is None:
            _send(render)
            continue
        narration = MediaRender.objects.get(pk=render.narration_id)
        if narration.status == RenderStatus.SUCCEEDED:
            _send(render)
        elif narration.status in (RenderStatus.FAILED, RenderStatus.CANCELLED):
            _settle_waiting(render, narration)
        # else: the narration's own completion dispatches this render


def _settle_waiting(render: MediaRender, narration: MediaRender) -> None:
    if narration.status == RenderStatus.CANCELLED:
        _finish_queued(
            render, RenderStatus.CANCELLED, FailureKind.NONE, f"the narration render #{narration.pk} was cancelled"
        )
    else:
        _finish_queued(
            render,
            RenderStatus.FAILED,
            FailureKind.DEPENDENCY,
            f"the narration render #{narration.pk} failed: {narration.error}",
        )


def _settle_dependents(narration: MediaRender) -> None:
    waiting = list(MediaRender.objects.filter(narration=narration, status=RenderStatus.QUEUED))
    if narration.status == RenderStatus.SUCCEEDED:
        dispatch_renders(waiting)
    else:
        for render in waiting:
            _settle_waiting(render, narration)


# --------------------------------------------------------------------------- finishing


def _log_entry(render: MediaRender, status: str, error_kind: str, error: str) -> dict[str, Any]:
    return {
        "attempt": render.attempts,
        "status": status,
        "error_kind": error_kind,
        "error": error,
        "finished_at": timezone.now().isoformat(),
    }


def _finish_queued(render: MediaRender, status: str, error_kind: str, error: str) -> bool:
    """Close a render that never started (cancelled, or its narration failed)."""
    render.refresh_from_db()
    updated = MediaRender.objects.filter(pk=render.pk, status=RenderStatus.QUEUED).update(
        status=status,
        error_kind=error_kind,
        error=error,
        finished_at=timezone.now(),
        stage=error[:200],
        attempt_log=[*render.attempt_log, _log_entry(render, status, error_kind, error)],
    )
    if updated:
        _revoke(render.celery_task_id)
        render.refresh_from_db()
        if render.kind == RenderKind.VOICE:
            _settle_dependents(render)
    return bool(updated)


def _finish_running(
    render: MediaRender,
    status: str,
    *,
    error_kind: str = "",
    error: str = "",
    product: RenderProduct | None = None,
    warnings: Sequence[str] = (),
    dispatch_dependents: bool = True,
) -> None:
    render.status = status
    render.finished_at = timezone.now()
    render.error_kind = error_kind
    render.cancel_requested = False
    if status == RenderStatus.SUCCEEDED:
        render.progress, render.stage, render.error = 100, "done", ""
    else:
        render.stage, render.error = (error.splitlines() or [status])[0][:200], error
    if product is not None:
        render.engine, render.voice = product.engine, product.voice
    render.warnings = warnings_of(warnings)
    render.attempt_log = [*render.attempt_log, _log_entry(render, status, error_kind, error)]
    render.save(
        update_fields=[
            "status",
            "finished_at",
            "error_kind",
            "error",
            "cancel_requested",
            "progress",
            "stage",
            "engine",
            "voice",
            "warnings",
            "attempt_log",
        ]
    )
    if render.kind == RenderKind.VOICE and dispatch_dependents:
        _settle_dependents(render)


# --------------------------------------------------------------------------- running


def _claim_for_run(render_id: int, task_id: str) -> bool:
    """queued → running, atomically; a re-delivered task (worker lost) may resume its own render."""
    claimable = Q(status=RenderStatus.QUEUED)
    if task_id:
        claimable |= Q(status=RenderStatus.RUNNING, celery_task_id=task_id)
    return bool(
        MediaRender.objects.filter(claimable, pk=render_id, cancel_requested=False).update(
            status=RenderStatus.RUNNING,
            started_at=timezone.now(),
            finished_at=None,
            attempts=F("attempts") + 1,
            progress=0,
            stage=_("starting"),
            # The claimant's own task id ("" in-process): a task sent earlier and delivered late finds the render
            # running under another id and skips it instead of "resuming" it.
            celery_task_id=task_id,
        )
    )


def _reporter(render: MediaRender, listener: ProgressListener | None) -> ProgressReport:
    def report(percent: int, stage: str) -> None:
        percent = max(0, min(99, int(percent)))
        MediaRender.objects.filter(pk=render.pk).update(progress=percent, stage=stage[:200])
        render.progress, render.stage = percent, stage[:200]
        if listener is not None:
            listener(render, percent, stage)
        if MediaRender.objects.filter(pk=render.pk, cancel_requested=True).exists():
            raise RenderCancelled(_("cancelled on request during: %(stage)s") % {"stage": stage})

    return report


def _fetch_narration(render: MediaRender, work_dir: Path) -> NarrationInput:
    narration = render.narration
    if narration is None or narration.status != RenderStatus.SUCCEEDED:
        state = "missing" if narration is None else narration.status
        raise _NarrationNotReady(f"the narration of revision {render.revision_id} is {state}")
    outputs = {output.role: output for output in narration.outputs.all()}
    mp3, vtt = outputs.get(OutputRole.MP3), outputs.get(OutputRole.VTT)
    if mp3 is None or vtt is None:
        raise _NarrationNotReady(f"the narration render #{narration.pk} has no MP3 or captions")
    local = work_dir / "narration.mp3"
    with mp3.file.open("rb") as source, local.open("wb") as target:  # works for S3 too
        for chunk in source.chunks():
            target.write(chunk)
    with vtt.file.open("rb") as source:
        cues = tuple(parse_vtt(source.read().decode("utf-8")))
    return NarrationInput(mp3_path=local, duration_s=float(mp3.duration or 0.0), cues=cues)


class _NarrationNotReady(Exception):
    pass


def _fetch_recordings(document: ArticleDocument, work_dir: Path) -> dict[str, RecordedNarration]:
    """The revision's up-to-date recordings, copied to local files (works for S3 too)."""
    fetched: dict[str, RecordedNarration] = {}
    folder = work_dir / "recordings"
    for paragraph, recording in document.current_recordings().items():
        folder.mkdir(parents=True, exist_ok=True)
        local = folder / f"{recording.audio_sha256}.flac"
        with default_storage.open(recording.audio_name, "rb") as source, local.open("wb") as target:
            for chunk in source.chunks():
                target.write(chunk)
        fetched[paragraph] = RecordedNarration(local, recording.audio_sha256)
    return fetched


def revision_input(render: MediaRender, work_dir: Path) -> RevisionInput:
    """The approved revision as a document, plus the per-article choices the renderers need."""
    page = render.revision.as_object()
    live = render.article
    document = page.as_document(share_url=share_url_for(live))
    narration = _fetch_narration(render, work_dir) if render.kind in VIDEO_KINDS else None
    recordings = _fetch_recordings(document, work_dir) if render.kind == RenderKind.VOICE else {}
    return RevisionInput(
        document=document, voice_preference=voice_preference_for(page), narration=narration, recordings=recordings
    )


def _store_outputs(render: MediaRender, product: RenderProduct) -> None:
    for old in render.outputs.all():  # a retried attempt replaces what an earlier one left
        old.file.delete(save=False)
        old.delete()
    for produced in product.files:
        output = MediaOutput(
            render=render,
            role=produced.role,
            mime_type=produced.mime_type,
            size=produced.path.stat().st_size,
            duration=produced.duration,
            width=produced.width,
            height=produced.height,
        )
        with produced.path.open("rb") as handle:
            output.file.save(produced.path.name, File(handle), save=False)
        output.save()


def run_render(
    render_id: int, *, task_id: str = "", listener: ProgressListener | None = None, dispatch_dependents: bool = True
) -> MediaRender | None:
    """Run one queued render to its end; None if someone else has it or it is no longer queued.

    Failures never escape: they are recorded on the render (kind + reason)
    so the admin can show and retry them. ``dispatch_dependents=False`` lets
    an in-process caller run the waiting videos itself.
    """
    if not _claim_for_run(render_id, task_id):
        logger.info("render %s is not queued (taken, finished or cancelled); skipping", render_id)
        return None
    render = MediaRender.objects.select_related("article", "revision", "narration").get(pk=render_id)
    report = _reporter(render, listener)
    work_root = getattr(settings, "KEPU_MEDIA_WORK_DIR", None)
    try:
        with tempfile.TemporaryDirectory(prefix=f"kepu-render-{render.pk}-", dir=work_root) as scratch:
            work = Path(scratch)
            report(1, _("reading the approved revision"))
            source = revision_input(render, work)
            product = RENDERERS[render.kind](source, work / "out", report)
            report(92, _("storing the files"))
            with transaction.atomic():
                _store_outputs(render, product)
                _finish_running(
                    render,
                    RenderStatus.SUCCEEDED,
                    product=product,
                    warnings=product.warnings,
                    dispatch_dependents=False,
                )
            # robust: a listener's failure (a cache down) must not turn a stored render into a failed one
            transaction.on_commit(
                lambda: outputs_published.send(sender=MediaRender, render=render, article=render.article), robust=True
            )
        if render.kind == RenderKind.VOICE and dispatch_dependents:
            _settle_dependents(render)
    except RenderCancelled as exc:
        _finish_running(render, RenderStatus.CANCELLED, error=str(exc), dispatch_dependents=dispatch_dependents)
    except _NarrationNotReady as exc:
        _finish_running(
            render,
            RenderStatus.FAILED,
            error_kind=FailureKind.DEPENDENCY,
            error=str(exc),
            dispatch_dependents=dispatch_dependents,
        )
    except Exception as exc:  # recorded for the admin, never lost
        error_kind, reason = describe_failure(exc)
        log = logger.exception if error_kind == FailureKind.INTERNAL else logger.warning
        log("render %s (%s of article %s) failed: %s", render.pk, render.kind, render.article_id, reason)
        _finish_running(
            render, RenderStatus.FAILED, error_kind=error_kind, error=reason, dispatch_dependents=dispatch_dependents
        )
    render.refresh_from_db()
    return render


# --------------------------------------------------------------------------- cancel / retry / housekeeping


def _revoke(task_id: str) -> None:
    if not task_id:
        return
    try:
        current_app.control.revoke(task_id)
    except Exception as exc:  # the broker being down must not block a cancel; the claim check still holds
        logger.warning("could not revoke Celery task %s: %s", task_id, exc)


def cancel_render(render: MediaRender, reason: str = "") -> MediaRender:
    """Cancel now if queued; ask a running render to stop at its next stage."""
    reason = reason or _("cancelled on request")
    if not _finish_queued(render, RenderStatus.CANCELLED, FailureKind.NONE, reason):
        MediaRender.objects.filter(pk=render.pk, status=RenderStatus.RUNNING).update(cancel_requested=True)
    render.refresh_from_db()
    return render


def retry_render(render: MediaRender, requested_by: Any = None) -> MediaRender:
    """Queue a failed/cancelled render again and dispatch it (a video re-runs its failed narration first)."""
    render.refresh_from_db()
    if not render.can_retry:
        raise RenderConflictError(
            f"render #{render.pk} is {render.status}; only failed or cancelled renders are retried"
        )
    narration = render.narration
    if narration is not None and narration.can_retry:
        retry_render(narration, requested_by)
    try:
        with transaction.atomic():
            updated = MediaRender.objects.filter(
                pk=render.pk, status__in=[RenderStatus.FAILED, RenderStatus.CANCELLED]
            ).update(
                status=RenderStatus.QUEUED,
                cancel_requested=False,
                celery_task_id="",
                progress=0,
                stage=_("queued again"),
                started_at=None,
                finished_at=None,
                requested_by=requested_by if getattr(requested_by, "pk", None) else F("requested_by"),
            )
    except IntegrityError:
        other = MediaRender.objects.filter(
            revision_id=render.revision_id, kind=render.kind, status__in=ACTIVE_STATUSES
        ).first()
        raise RenderConflictError(
            f"render #{other.pk if other else '?'} of the same revision and kind is already queued or running"
        ) from None
    if not updated:
        raise RenderConflictError(f"render #{render.pk} changed state meanwhile; reload and try again")
    render.refresh_from_db()
    dispatch_renders([render])
    render.refresh_from_db()
    return render


def supersede_older_renders(article: Any, revision_id: int) -> int:
    """Stop work on revisions that are no longer the approved one (a newer revision was published)."""
    stale = MediaRender.objects.filter(article=article, status__in=ACTIVE_STATUSES).exclude(revision_id=revision_id)
    count = 0
    for render in stale.order_by("pk"):
        cancel_render(render, f"superseded: revision {revision_id} was published")
        count += 1
    return count


def start_renders_for_published(article_id: int, revision_id: int, *, requested_by: Any = None) -> list[RenderRequest]:
    """What publishing does: render every kind for the just-approved revision, if it is still the live one."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None or approved_revision_id(article) != revision_id:
        logger.info("article %s revision %s is no longer live; not rendering it", article_id, revision_id)
        return []
    supersede_older_renders(article, revision_id)
    requests = request_renders(article, ALL_KINDS, requested_by=requested_by, trigger="publish")
    dispatch_renders([request.render for request in requests if request.created])
    return requests


def fail_stale_renders(stale_after_s: float | None = None) -> int:
    """Mark renders running for too long as failed (their worker died); run it from Celery beat."""
    limit = (
        stale_after_s
        if stale_after_s is not None
        else getattr(settings, "KEPU_MEDIA_STALE_RENDER_S", DEFAULT_STALE_AFTER_S)
    )
    cutoff = timezone.now() - timedelta(seconds=limit)
    count = 0
    for render in MediaRender.objects.filter(status=RenderStatus.RUNNING, started_at__lt=cutoff):
        _finish_running(
            render,
            RenderStatus.FAILED,
            error_kind=FailureKind.WORKER,
            error=f"no result after {limit / 60:.0f} minutes (stage: {render.stage}); the worker was probably lost",
        )
        count += 1
    return count
