"""Admin views: the editors' review queue, the override page, and the claim-rule try-out box."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Page, TaskState

from cms.core.documents import ArticleDocument, DocumentBlock

from .approval import SelfApprovalRefused, review_revision
from .checks import HealthClaimCheck, run_checks
from .checks.findings import Finding
from .configuration import check_config
from .forms import ApprovalForm, OverrideApprovalForm, TryRulesForm
from .models import HealthCheckedApprovalTask, RevisionCheckReport
from .models.workflow import is_reviewer
from .panels import finding_rows

PENDING = "pending"  # no report yet: the worker has not run


class ReviewerRequiredMixin:
    def dispatch(self, request, *args, **kwargs):
        if not is_reviewer(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


@dataclass(frozen=True)
class QueueEntry:
    task_state: TaskState
    page: Page
    author: object
    waiting: timedelta
    report: RevisionCheckReport | None
    compare_url: str
    edit_url: str
    history_url: str

    @property
    def verdict(self) -> str:
        return self.report.verdict if self.report else PENDING


def _compare_url(page: Page, task_state: TaskState) -> str:
    """Diff against what the reviewer saw last (the sent-back revision), else the live page, else the first draft."""
    previous = (
        TaskState.objects.filter(workflow_state_id=task_state.workflow_state_id)
        .exclude(pk=task_state.pk)
        .exclude(revision_id=page.latest_revision_id)
        .order_by("-started_at", "-id")
        .values_list("revision_id", flat=True)
        .first()
    )
    start = str(previous) if previous else ("live" if page.live else "earliest")
    return reverse("wagtailadmin_pages:revisions_compare", args=[page.pk, start, "latest"])


def pending_reviews(user, *, verdict: str = "", language: str = "", author_id: int | None = None) -> list[QueueEntry]:
    """Submissions waiting for ``user``'s review, oldest first."""
    tasks = HealthCheckedApprovalTask.objects.filter(active=True)
    if not user.is_superuser:
        tasks = tasks.filter(groups__in=user.groups.all())
    states = (
        TaskState.objects.filter(
            status=TaskState.STATUS_IN_PROGRESS,
            task__in=tasks,
            workflow_state__base_content_type=ContentType.objects.get_for_model(Page),
        )
        .select_related("workflow_state__requested_by")
        .order_by("started_at", "id")
    )
    if author_id:
        states = states.filter(workflow_state__requested_by_id=author_id)
    states = list(states)
    pages = Page.objects.filter(pk__in=[int(state.workflow_state.object_id) for state in states])
    if language:
        pages = pages.filter(locale__language_code=language)
    pages_by_id = {page.pk: page for page in pages.select_related("locale").specific()}
    reports: dict[int, RevisionCheckReport] = {}
    latest_ids = [page.latest_revision_id for page in pages_by_id.values() if page.latest_revision_id]
    for report in RevisionCheckReport.objects.filter(revision_id__in=latest_ids).order_by("created_at", "id"):
        reports[report.revision_id] = report  # the newest wins
    now = timezone.now()
    entries = []
    for state in states:
        page = pages_by_id.get(int(state.workflow_state.object_id))
        if page is None:
            continue
        entry = QueueEntry(
            task_state=state,
            page=page,
            author=state.workflow_state.requested_by,
            waiting=now - state.started_at,
            report=reports.get(page.latest_revision_id),
            compare_url=_compare_url(page, state),
            edit_url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
            history_url=reverse("wagtailadmin_pages:workflow_history", args=[page.pk]),
        )
        if not verdict or entry.verdict == verdict:
            entries.append(entry)
    return entries


class AuthorChoiceField(forms.ModelChoiceField):
    """Authors by the name readers know them by: the doctor's name, else the account's full name."""

    def label_from_instance(self, user):
        profile = getattr(user, "doctor_profile", None)
        if profile is not None and profile.name:
            return profile.name
        return user.get_full_name() or user.get_username()


class QueueFilterForm(forms.Form):
    verdict = forms.ChoiceField(
        label=gettext_lazy("Check verdict"),
        required=False,
        choices=[
            ("", gettext_lazy("Any")),
            ("pass", gettext_lazy("Pass")),
            ("warnings", gettext_lazy("Warnings")),
            ("errors", gettext_lazy("Errors")),
            (PENDING, gettext_lazy("Checks pending")),
        ],
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False)
    author = AuthorChoiceField(label=gettext_lazy("Author"), required=False, queryset=get_user_model().objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Any"))] + list(settings.WAGTAIL_CONTENT_LANGUAGES)
        self.fields["author"].queryset = (
            get_user_model()
            .objects.filter(requested_workflows__status="in_progress")
            .select_related("doctor_profile")
            .distinct()
            .order_by("doctor_profile__name", "last_name", "username")
        )


class ReviewQueueView(ReviewerRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "moderation/queue.html"
    page_title = gettext_lazy("Review queue")
    header_icon = "tasks"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = QueueFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        author = filters.get("author")
        context.update(
            filter_form=form,
            entries=pending_reviews(
                self.request.user,
                verdict=filters.get("verdict", ""),
                language=filters.get("language", ""),
                author_id=author.pk if author else None,
            ),
            try_rules_url=reverse("moderation_try_rules"),
        )
        return context


class ApprovalOverrideView(WagtailAdminTemplateMixin, FormView):
    """Lists the error findings and approves only with a written reason."""

    template_name = "moderation/override.html"
    page_title = gettext_lazy("Approve despite check errors")
    header_icon = "warning"

    def setup(self, request, *args, task_state_id: int, **kwargs):
        super().setup(request, *args, **kwargs)
        self.task_state = get_object_or_404(TaskState, pk=task_state_id).specific
        self.task = self.task_state.task.specific
        self.page = self.task_state.workflow_state.content_object.specific

    def dispatch(self, request, *args, **kwargs):
        if not is_reviewer(request.user):  # before anything about the page is revealed
            raise PermissionDenied
        if (
            not isinstance(self.task, HealthCheckedApprovalTask)
            or self.task_state.status != TaskState.STATUS_IN_PROGRESS
        ):
            messages.error(request, _("'%(title)s' is not waiting for review any more.") % {"title": self.page.title})
            return redirect("moderation_queue")
        if "approve" not in [name for name, _label, _modal in self.task.get_actions(self.page, request.user)]:
            raise PermissionDenied
        self.report = review_revision(self.page)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("moderation_queue"), "label": _("Review queue")},
            {"url": "", "label": self.page.title},
        ]

    def get_form_class(self):
        return OverrideApprovalForm if self.report is not None and self.report.error_count else ApprovalForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        language = translation.get_language() or "zh-hans"
        context.update(
            page=self.page,
            report=self.report,
            errors=[row for row in finding_rows(self.report, language) if row.severity == "error"]
            if self.report
            else [],
            edit_url=reverse("wagtailadmin_pages:edit", args=[self.page.pk]),
            compare_url=_compare_url(self.page, self.task_state),
        )
        return context

    def form_valid(self, form):
        try:
            refused_url = self.task.on_action(self.task_state, self.request.user, "approve", **form.cleaned_data)
        except SelfApprovalRefused as error:
            messages.error(self.request, str(error))
            return redirect("moderation_queue")
        if refused_url:  # the rules changed while the form was open and now report errors
            return redirect(refused_url)
        messages.success(self.request, _("'%(title)s' has been approved.") % {"title": self.page.title})
        return redirect("moderation_queue")


class TryRulesView(ReviewerRequiredMixin, WagtailAdminTemplateMixin, FormView):
    """Check a sentence against the saved claim rules before or after changing them."""

    template_name = "moderation/try_rules.html"
    form_class = TryRulesForm
    page_title = gettext_lazy("Try the claim rules")
    header_icon = "search"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def form_valid(self, form):
        language = "zh-hans" if form.cleaned_data["language"] == "zh" else "en"
        document = ArticleDocument(
            title="", language=language, blocks=(DocumentBlock("paragraph", text=form.cleaned_data["text"]),)
        )
        report = run_checks(document, check_config(), checks=(HealthClaimCheck(),))
        return self.render_to_response(
            self.get_context_data(
                form=form,
                findings=report.findings,
                checked=True,
                display_language=translation.get_language() or language,
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        findings: tuple[Finding, ...] = context.get("findings", ())
        language = context.get("display_language", "zh-hans")
        context["rows"] = [
            {
                "severity": finding.severity,
                "rule_id": finding.rule_id,
                "excerpt": finding.excerpt,
                "message": finding.message(language),
            }
            for finding in findings
        ]
        return context


def changes_requested(request, task_state_id: int):
    """Tell the reviewer, in words, that the page went back to its author, then return to the queue."""
    task_state = get_object_or_404(TaskState, pk=task_state_id)
    if not is_reviewer(request.user):
        raise PermissionDenied
    page = task_state.workflow_state.content_object
    if task_state.status == TaskState.STATUS_REJECTED:
        author = task_state.workflow_state.requested_by
        messages.success(
            request,
            _("Changes requested on “%(title)s”. %(author)s will see your comment at the top of the editor.")
            % {
                "title": page.get_admin_display_title() if hasattr(page, "get_admin_display_title") else str(page),
                "author": (author.get_full_name() or author.get_username()) if author else _("The author"),
            },
        )
    return redirect("moderation_queue")
