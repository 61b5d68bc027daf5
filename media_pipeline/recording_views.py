"""Admin pages where a doctor reads the article in their own voice: record in the browser or upload, per paragraph.

The page shows the latest revision (the draft), each paragraph with its
recording's state. Saving a recording or removing one saves a new revision;
it reaches patients only after the editor approves that revision through the
review workflow, like a text change. Only people who may edit the article
(its doctor, editors) see or change its recordings.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.articles.models import Article
from cms.articles.narration import ParagraphChanged, attach_recording, narration_rows, remove_recording
from media_pipeline.recordings import (
    ACCEPTED_EXTENSIONS,
    RecordingRejected,
    check_size,
    clean_recording,
    recording_limits,
)


def _article_for(request: HttpRequest, article_id: int) -> Article:
    article = get_object_or_404(Article, pk=article_id)
    if not article.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return article


def _page_url(article: Article, paragraph: str = "") -> str:
    url = reverse("media_pipeline_narration", args=[article.pk])
    return f"{url}#narration-{paragraph}" if paragraph else url


def narration(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _article_for(request, article_id)
    draft = article.get_latest_revision_as_object()
    rows = narration_rows(draft.as_document())
    limits = recording_limits()
    return render(
        request,
        "media_pipeline/admin/narration.html",
        {
            "page_title": _("Record in my own voice: “%(title)s”") % {"title": draft.title},
            "header_title": _("Record in my own voice"),
            "header_icon": "media",
            "article": article,
            "draft": draft,
            "rows": rows,
            "accept": ",".join(["audio/*", *ACCEPTED_EXTENSIONS]),
            "max_mb": f"{limits.max_bytes / 1048576:g}",
            "max_minutes": f"{limits.max_seconds / 60:g}",
        },
    )


@require_POST
def save_recording(request: HttpRequest, article_id: int, paragraph: str) -> HttpResponse:
    article = _article_for(request, article_id)
    upload = request.FILES.get("audio")
    if upload is None:
        messages.error(request, _("Please record the paragraph or choose a sound file first."))
        return HttpResponseRedirect(_page_url(article, paragraph))
    limits = recording_limits()
    try:
        check_size(upload.size, limits)  # refused before a byte is written or decoded
        with tempfile.TemporaryDirectory(prefix="kepu-upload-") as tmp:
            source = Path(tmp) / "upload"
            with source.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            cleaned = clean_recording(source, Path(tmp) / "clean.flac", limits=limits)
            attach_recording(
                article,
                paragraph,
                request.POST.get("fingerprint", ""),
                cleaned.path,
                sha256=cleaned.sha256,
                duration_s=cleaned.duration_s,
                user=request.user,
                original_name=upload.name or "",
            )
    except RecordingRejected as exc:
        messages.error(request, _("The recording was not saved: %(reason)s") % {"reason": exc.message})
    except ParagraphChanged:
        messages.error(
            request,
            _(
                "This paragraph was changed since you opened this page, so the recording was not saved. "
                "Please read the new text and record it again."
            ),
        )
    else:
        messages.success(
            request,
            _("Recording saved (%(seconds)s s) in a new draft. Submit the article for review so that patients hear it.")
            % {"seconds": f"{cleaned.duration_s:.1f}"},
        )
    return HttpResponseRedirect(_page_url(article, paragraph))


@require_POST
def delete_recording(request: HttpRequest, article_id: int, paragraph: str) -> HttpResponse:
    article = _article_for(request, article_id)
    if remove_recording(article, paragraph, user=request.user) is None:
        messages.info(request, _("This paragraph had no recording."))
    else:
        messages.success(
            request, _("Recording removed in a new draft: this paragraph is read by the synthetic voice again.")
        )
    return HttpResponseRedirect(_page_url(article, paragraph))


def recording_audio(request: HttpRequest, article_id: int, paragraph: str) -> HttpResponse:
    """The draft's recording of a paragraph, for listening back (staff only; not a public file)."""
    article = _article_for(request, article_id)
    recording = next(
        (r for r in article.get_latest_revision_as_object().narration_recordings.all() if r.paragraph == paragraph),
        None,
    )
    if recording is None or not default_storage.exists(recording.audio.name):
        raise Http404
    return FileResponse(default_storage.open(recording.audio.name, "rb"), content_type="audio/flac")
