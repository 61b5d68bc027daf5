from wagtail import hooks

from .healthicons import BODY_SYSTEMS

_SYSTEMS = {system.key: system for system in BODY_SYSTEMS}


@hooks.register("construct_image_chooser_queryset")
def filter_by_body_system(images, request):
    """The chooser's body-system filter: an illustration tagged with the system's Chinese or English name."""
    system = _SYSTEMS.get(request.GET.get("body_system", ""))
    if system is None:
        return images
    return images.filter(tags__name__in=system.tags).distinct()
