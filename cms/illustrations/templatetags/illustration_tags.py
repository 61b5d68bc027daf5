from django import template

from ..healthicons import BODY_SYSTEMS, CATEGORY_NAMES, SET_TAG

register = template.Library()

STUDIO_TAG = "科普工作室插画 Studio illustrations"


@register.simple_tag
def illustration_filters(request):
    """Choices for the image chooser: body systems and kinds of picture, each named in Chinese and English."""
    tags = [(STUDIO_TAG, STUDIO_TAG), (SET_TAG, SET_TAG)]
    tags += [(zh, f"{zh} · {en}") for zh, en in CATEGORY_NAMES.values()]
    return {
        "body_systems": [(system.key, f"{system.zh} · {system.en}") for system in BODY_SYSTEMS],
        "body_system": request.GET.get("body_system", ""),
        "tags": tags,
        "tag": request.GET.get("tag", ""),
    }
