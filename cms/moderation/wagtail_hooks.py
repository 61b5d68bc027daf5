"""Admin wiring: checks on every save, the review queue and rule editing for Editors, audit-log actions."""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import path, reverse_lazy
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.log_actions import LogFormatter
from wagtail.models import TaskState
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.core.admin_columns import YesNoColumn
from cms.core.documents import has_document
from cms.core.outbox import BROKER_DOWN_MESSAGE

from .approval import OVERRIDE_LOG_ACTION, changes_requested_url, override_url
from .models import ClaimRule, HealthCheckedApprovalTask
from .models.workflow import direct_publish_refusal, is_reviewer
from .tasks import schedule_revision_checks
from .views import ApprovalOverrideView, ReviewQueueView, TryRulesView, changes_requested

ENGLISH_TEXT = forms.Textarea(attrs={"lang": "en", "rows": 3})  # English wording, marked so for screen readers


class ClaimRuleViewSet(SnippetViewSet):
    """Editors keep the claim rules up to date; every save is validated by compiling the rule."""

    model = ClaimRule
    icon = "warning"
    menu_label = gettext_lazy("Claim rules")
    add_to_admin_menu = False  # listed in the Moderation submenu instead
    list_display = [
        "rule_id",
        "language",
        "category",
        "severity",
        YesNoColumn("enabled", label=gettext_lazy("enabled")),
        "updated_at",
    ]
    list_filter = ["language", "category", "severity", "enabled"]
    search_fields = ["rule_id", "patterns", "terms", "explanation_zh", "explanation_en"]
    ordering = ["language", "category", "rule_id"]
    panels = [
        FieldRowPanel([FieldPanel("rule_id"), FieldPanel("language"), FieldPanel("category"), FieldPanel("severity")]),
        FieldRowPanel([FieldPanel("enabled"), FieldPanel("negatable")]),
        MultiFieldPanel(
            [FieldPanel("patterns"), FieldPanel("terms"), FieldPanel("exceptions")],
            heading=gettext_lazy("What to match"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("legal_basis"),
                FieldPanel("legal_basis_en", widget=forms.TextInput(attrs={"lang": "en"})),
                FieldPanel("explanation_zh"),
                FieldPanel("explanation_en", widget=ENGLISH_TEXT),
                FieldPanel("suggestion_zh"),
                FieldPanel("suggestion_en", widget=ENGLISH_TEXT),
            ],
            heading=gettext_lazy("What the author is told"),
        ),
    ]


claim_rule_viewset = ClaimRuleViewSet()
register_snippet(claim_rule_viewset)


@hooks.register("register_admin_urls")
def moderation_admin_urls():
    return [
        path("moderation/queue/", ReviewQueueView.as_view(), name="moderation_queue"),
        path(
            "moderation/approve/<int:task_state_id>/",
            ApprovalOverrideView.as_view(),
            name="moderation_approval_override",
        ),
        path("moderation/rules/try/", TryRulesView.as_view(), name="moderation_try_rules"),
        path(
            "moderation/changes-requested/<int:task_state_id>/", changes_requested, name="moderation_changes_requested"
        ),
    ]


class ReviewerMenuItem(MenuItem):
    def is_shown(self, request):
        return is_reviewer(request.user)


class ClaimRulesMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("moderation.change_claimrule") or request.user.has_perm(
            "moderation.view_claimrule"
        )


@hooks.register("register_admin_menu_item")
def moderation_menu():
    menu = Menu(
        items=[
            ReviewerMenuItem(
                gettext_lazy("Review queue"), reverse_lazy("moderation_queue"), icon_name="tasks", order=100
            ),
            ClaimRulesMenuItem(
                gettext_lazy("Claim rules"),
                reverse_lazy(claim_rule_viewset.get_url_name("list")),
                icon_name="warning",
                order=200,
            ),
            ReviewerMenuItem(
                gettext_lazy("Try the claim rules"), reverse_lazy("moderation_try_rules"), icon_name="search", order=300
            ),
        ]
    )
    return SubmenuMenuItem(gettext_lazy("Moderation"), menu, icon_name="tasks", name="moderation", order=250)


@hooks.register("insert_editor_js")
def review_feedback_js():
    return format_html('<script src="{}" defer></script>', static("moderation/editor-feedback.js"))


@hooks.register("insert_global_admin_css")  # the banner and findings also show on the override page
def review_feedback_css():
    return format_html('<link rel="stylesheet" href="{}">', static("moderation/editor-feedback.css"))


@hooks.register("register_log_actions")
def register_moderation_log_actions(actions):
    @actions.register_action(OVERRIDE_LOG_ACTION)
    class ApprovalOverrideFormatter(LogFormatter):
        label = gettext_lazy("Approve despite check errors")

        def format_message(self, log_entry):
            data = log_entry.data or {}
            return _("Approved despite %(count)s automated check error(s) (%(rules)s)") % {
                "count": data.get("error_count", "?"),
                "rules": ", ".join(data.get("rules", [])),
            }

        def format_comment(self, log_entry):
            return (log_entry.data or {}).get("reason", "")


def _check_saved_revision(request, page):
    """Every save creates a revision; its report is what the author sees in the editor panel."""
    if has_document(page) and page.latest_revision_id:
        schedule_revision_checks(
            page.latest_revision_id, on_deferred=lambda: messages.warning(request, BROKER_DOWN_MESSAGE)
        )


@hooks.register("after_create_page")
def check_created_page(request, page):
    _check_saved_revision(request, page)


@hooks.register("after_edit_page")
def check_edited_page(request, page):
    _check_saved_revision(request, page)
    return _redirect_refused_inline_approval(request, page)


def _redirect_refused_inline_approval(request, page):
    """An approval from the editor's action menu that the checks refused goes on to the override page,
    and a change request from it confirms that changes were requested.

    Wagtail ignores what ``Task.on_action`` returns on that path, so without
    this the editor would only see "saved" and the page would stay in review.
    """
    if request.POST.get("action-workflow-action") is None:
        return None
    if request.POST.get("workflow-action-name") == "reject":
        rejected = (
            TaskState.objects.for_instance(page)
            .filter(status=TaskState.STATUS_REJECTED)
            .order_by("-finished_at", "-id")
            .first()
        )
        if rejected is not None:
            _drop_queued_success_messages(request)  # "Page … has been updated" is not what happened
            return redirect(changes_requested_url(rejected))
        return None
    if request.POST.get("workflow-action-name") != "approve":
        return None
    task_state = page.current_workflow_task_state
    if task_state is None or not isinstance(task_state.task.specific, HealthCheckedApprovalTask):
        return None
    if task_state.status != task_state.STATUS_IN_PROGRESS:
        return None
    return redirect(override_url(task_state))


def _drop_queued_success_messages(request) -> None:
    from django.contrib import messages as django_messages

    storage = django_messages.get_messages(request)
    kept = [message for message in storage if message.level != django_messages.SUCCESS]
    for message in kept:
        storage.add(message.level, message.message, message.extra_tags)


@hooks.register("before_publish_page")
def refuse_publishing_around_review(request, page):
    """The Publish button must not be a way around the review (see ``approval.direct_publish_refusal``)."""
    refusal = direct_publish_refusal(page, request.user)
    if refusal is None:
        return None
    if page.live and page.live_revision_id is None:
        # Wagtail's create view has already saved the new page with live=True before asking this hook.
        page.live = False
        page.has_unpublished_changes = True
        page.save(clean=False, update_fields=["live", "has_unpublished_changes"])
    messages.error(request, refusal)
    return redirect("wagtailadmin_pages:edit", page.pk)


@hooks.register("before_bulk_action")
def refuse_bulk_publishing_around_review(request, action_type, objects, action_class_instance):
    if action_type != "publish":
        return None
    refused = [(page, refusal) for page in objects if (refusal := direct_publish_refusal(page, request.user))]
    if not refused:
        return None
    for page, refusal in refused:
        messages.error(request, f"{page.get_admin_display_title()}: {refusal}")
    return redirect(get_valid_next_url_from_request(request) or "wagtailadmin_explore_root")
