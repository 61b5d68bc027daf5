"""``manage.py render_article <article id> [--voice] [--video] [--images] [--force] [--queue]``.

Renders the article's approved (live) revision here, in this process, with a
progress bar per render (no worker needed), or hands the jobs to Celery with
``--queue``. Without a kind option every kind is rendered. Finished renders
of the same revision are reused unless ``--force``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from cms.articles.models import Article
from media_pipeline import jobs
from media_pipeline.models import VIDEO_KINDS, MediaRender, RenderKind, RenderStatus


class Command(BaseCommand):
    help = "Render narration, videos and share images of an article's approved revision."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("article_id", type=int)
        parser.add_argument("--voice", action="store_true", help="narration MP3 + captions")
        parser.add_argument("--video", action="store_true", help="portrait and landscape videos (needs the narration)")
        parser.add_argument("--images", action="store_true", help="share cover and poster")
        parser.add_argument("--force", action="store_true", help="render again even if already rendered")
        parser.add_argument("--queue", action="store_true", help="send to the Celery workers instead of rendering here")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (logs, cron)")

    def handle(self, *args, **options) -> None:
        article = Article.objects.filter(pk=options["article_id"]).first()
        if article is None:
            raise CommandError(f"there is no article with id {options['article_id']}")
        kinds = [RenderKind.VOICE] if options["voice"] else []
        kinds += list(VIDEO_KINDS) if options["video"] else []
        kinds += [RenderKind.IMAGES] if options["images"] else []
        try:
            requests = jobs.request_renders(article, kinds or jobs.ALL_KINDS, force=options["force"], trigger="command")
        except jobs.NotPublishedError as exc:
            raise CommandError(str(exc)) from exc

        created = [request.render for request in requests if request.created]
        if options["queue"]:
            for request in requests:
                if not request.created:
                    self.stdout.write(
                        _("reusing render #%(id)s (%(kind)s, %(status)s)")
                        % {"id": request.render.pk, "kind": request.render.kind, "status": request.render.status}
                    )
            jobs.dispatch_renders(created)
            self.stdout.write(
                self.style.SUCCESS(
                    _("queued %(count)d render(s): %(ids)s") % {"count": len(created), "ids": [r.pk for r in created]}
                )
            )
            return

        # A render queued earlier (by publishing, load_demo or an admin button) that no worker has
        # started is run here, as a new one would be: "render in-process" must not depend on a worker.
        to_run = []
        for request in requests:
            render = request.render
            if request.created or render.status == RenderStatus.QUEUED:
                if not request.created:
                    self.stdout.write(
                        _("render #%(id)s (%(kind)s) was queued and no worker has started it: rendering it here")
                        % {"id": render.pk, "kind": render.kind}
                    )
                to_run.append(render)
            elif render.status == RenderStatus.RUNNING:
                self.stdout.write(self.style.WARNING(self._running_elsewhere(render)))
            else:
                self.stdout.write(
                    _("reusing render #%(id)s (%(kind)s, %(status)s)")
                    % {"id": render.pk, "kind": render.kind, "status": render.status}
                )
        # The narration first: videos are cut to it.
        to_run.sort(key=lambda render: render.kind != RenderKind.VOICE)
        results = [self._run(render, show_progress=not options["no_progress"]) for render in to_run]
        failed = [render for render in results if render.status in (RenderStatus.FAILED, RenderStatus.CANCELLED)]
        for render in results:
            style = self.style.SUCCESS if render.status == RenderStatus.SUCCEEDED else self.style.ERROR
            self.stdout.write(style(f"#{render.pk} {render.kind}: {render.status}"))
            for output in render.outputs.all():
                self.stdout.write(f"    {output.role:<12} {output.file.name} ({output.size} bytes)")
            for warning in render.warnings:
                self.stdout.write(self.style.WARNING(f"    warning: {warning}"))
            if render.error:
                self.stdout.write(f"    {render.get_error_kind_display()}: {render.error}")
        if failed:
            raise CommandError(f"{len(failed)} render(s) did not succeed: {[r.pk for r in failed]}")

    @staticmethod
    def _running_elsewhere(render: MediaRender) -> str:
        since = timezone.localtime(render.started_at).strftime("%H:%M:%S") if render.started_at else "?"
        return _(
            "render #%(id)s (%(kind)s) is running on a worker since %(since)s (%(progress)s%%, %(stage)s); "
            "not starting it twice: wait for it, or cancel it in the admin and run this again"
        ) % {
            "id": render.pk,
            "kind": render.kind,
            "since": since,
            "progress": render.progress,
            "stage": render.stage or "-",
        }

    def _run(self, render: MediaRender, *, show_progress: bool) -> MediaRender:
        narration = render.narration
        if narration is not None:
            narration.refresh_from_db()
            if narration.status == RenderStatus.QUEUED:  # queued, nobody started it: voice it here first
                self.stdout.write(
                    _(
                        "render #%(id)s (%(kind)s) needs narration #%(narration)s, queued and not "
                        "started: rendering the narration here first"
                    )
                    % {"id": render.pk, "kind": render.kind, "narration": narration.pk}
                )
                self._run(narration, show_progress=show_progress)
                narration.refresh_from_db()
            if narration.status == RenderStatus.RUNNING:  # on a worker: its completion dispatches this video there
                self.stdout.write(
                    self.style.WARNING(
                        _(
                            "render #%(id)s (%(kind)s) waits for narration #%(narration)s, "
                            "which a worker is rendering; "
                            "the worker will render the video when the narration is done"
                        )
                        % {"id": render.pk, "kind": render.kind, "narration": narration.pk}
                    )
                )
                return render
        bar = tqdm(
            total=100,
            desc=f"#{render.pk} {render.kind}",
            unit="%",
            disable=not show_progress,
            file=self.stderr._out,
            leave=True,
        )

        def on_progress(_render: MediaRender, percent: int, stage: str) -> None:
            bar.update(max(0, percent - bar.n))
            bar.set_postfix_str(stage[:40])

        # Videos queued behind the narration are run by this loop, not sent to workers.
        finished = jobs.run_render(render.pk, listener=on_progress, dispatch_dependents=False)
        if finished is None:  # a worker took it first, or it was cancelled
            finished = MediaRender.objects.get(pk=render.pk)
        elif finished.kind == RenderKind.VOICE and finished.status != RenderStatus.SUCCEEDED:
            jobs.dispatch_renders(
                list(finished.dependents.filter(status=RenderStatus.QUEUED))
            )  # fails them with the reason
        bar.update(100 - bar.n if finished.status == RenderStatus.SUCCEEDED else 0)
        bar.close()
        finished.refresh_from_db()
        return finished
