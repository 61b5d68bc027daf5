"""Admin wiring: the media jobs menu entry and URLs, a "Media" button on article pages, the pronunciation lexicon."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.articles.models import Article
from cms.core.page_buttons import register_page_header_button
from media_pipeline import admin_views, recording_views
from media_pipeline.models import PronunciationEntry


@hooks.register("register_admin_urls")
def media_admin_urls():
    return [
        path("media-jobs/", admin_views.jobs_index, name="media_pipeline_jobs"),
        path("media-jobs/article/<int:article_id>/", admin_views.article_media, name="media_pipeline_article"),
        path("media-jobs/<int:render_id>/retry/", admin_views.retry, name="media_pipeline_retry"),
        path("media-jobs/<int:render_id>/cancel/", admin_views.cancel, name="media_pipeline_cancel"),
    ]


@hooks.register("register_admin_menu_item")
def media_jobs_menu_item():
    return MenuItem(_("Media jobs"), reverse("media_pipeline_jobs"), icon_name="media", order=450)


register_page_header_button(
    Article, _("Audio, video & share images"), url_name="media_pipeline_article", icon_name="media", priority=20
)


@hooks.register("register_admin_urls")
def narration_admin_urls():
    return [
        path("narration/<int:article_id>/", recording_views.narration, name="media_pipeline_narration"),
        path(
            "narration/<int:article_id>/<slug:paragraph>/save/",
            recording_views.save_recording,
            name="media_pipeline_narration_save",
        ),
        path(
            "narration/<int:article_id>/<slug:paragraph>/delete/",
            recording_views.delete_recording,
            name="media_pipeline_narration_delete",
        ),
        path(
            "narration/<int:article_id>/<slug:paragraph>/audio/",
            recording_views.recording_audio,
            name="media_pipeline_narration_audio",
        ),
    ]


register_page_header_button(
    Article, _("Record in my own voice"), url_name="media_pipeline_narration", icon_name="media", priority=21
)


class PronunciationViewSet(SnippetViewSet):
    """Editors keep the narration's readings (term -> pinyin); the model validates every syllable."""

    model = PronunciationEntry
    icon = "openquote"
    menu_label = _("Pronunciations")
    menu_order = 460
    add_to_admin_menu = True
    list_display = ["term", "pinyin", "note", "updated_at"]
    search_fields = ["term", "pinyin", "note"]
    ordering = ["term"]
    panels = [FieldPanel("term"), FieldPanel("pinyin"), FieldPanel("note")]


register_snippet(PronunciationViewSet())
