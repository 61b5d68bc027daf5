from django import template

from cms.core.documents import has_document

from ..panels import check_results_context

register = template.Library()


@register.inclusion_tag("moderation/panels/check_results.html")
def health_check_results(page):
    """The health-content checks of ``page``'s latest saved revision, for the editor's Checks side panel."""
    if page is None or not has_document(page):
        return {"not_checkable": True}
    return {**check_results_context(page), "in_side_panel": True}
