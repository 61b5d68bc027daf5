"""Celery tasks of the media pipeline: thin wrappers around :mod:`media_pipeline.jobs`.

``render_media`` runs one render job (voice, video or share images: the job
row says which); chaining a video after its narration is done by the jobs
layer when the narration finishes, so a failed narration fails its videos
instead of leaving them queued (jobs send ``render_media`` by its name, so
this module is the only one importing the other). ``fail_stale_renders``
belongs in Celery beat (every 10 minutes).
"""

from __future__ import annotations

from celery import shared_task

from media_pipeline import jobs


@shared_task(bind=True, name=jobs.RENDER_TASK, acks_late=True, ignore_result=True)
def render_media(self, render_id: int) -> str:
    """Run render ``render_id`` if it is still queued (or was ours when a worker died)."""
    render = jobs.run_render(render_id, task_id=self.request.id or "")
    return render.status if render is not None else "skipped"


@shared_task(name="media_pipeline.fail_stale_renders", ignore_result=True)
def fail_stale_renders() -> int:
    """Fail renders whose worker disappeared, so they can be retried from the admin."""
    return jobs.fail_stale_renders()
