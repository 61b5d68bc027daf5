"""Wagtail API v2: pages (entries and articles, with ?search=) and illustrations.

Wagtail checks most parameters itself; the mixin below adds the checks whose
absence turned malformed requests into server errors: integers beyond what the
database can hold (``offset=99999999999999999999``), an unknown
``search_operator``, NUL characters (PostgreSQL refuses them) and overlong
searches.
"""

from django.utils.translation import gettext as _
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

#: the largest value a 64-bit database integer holds (ids, offsets)
MAX_DATABASE_INTEGER = 2**63 - 1
MAX_SEARCH_LENGTH = 200
SEARCH_OPERATORS = ("and", "or")


class ValidatedParametersMixin:
    def check_query_parameters(self, queryset):
        super().check_query_parameters(queryset)
        for name, values in self.request.GET.lists():
            for value in values:
                if "\x00" in value:
                    raise BadRequestError(_("%(name)s contains a NUL character") % {"name": name})
                digits = value.lstrip("-")
                if digits.isascii() and digits.isdigit() and int(digits) > MAX_DATABASE_INTEGER:
                    raise BadRequestError(_("%(name)s is too large (at most %(max)d)")
                                          % {"name": name, "max": MAX_DATABASE_INTEGER})
        if "search_operator" in self.request.GET and self.request.GET["search_operator"] not in SEARCH_OPERATORS:
            raise BadRequestError(_("search_operator must be “and” or “or”"))
        if len(self.request.GET.get("search", "")) > MAX_SEARCH_LENGTH:
            raise BadRequestError(_("search is longer than %(max)d characters") % {"max": MAX_SEARCH_LENGTH})


class StudioPagesAPIViewSet(ValidatedParametersMixin, PagesAPIViewSet):
    def get_queryset(self):
        # Every listed page shows its locale (meta.locale): loaded with the pages, not one query each.
        return super().get_queryset().select_related("locale")


class StudioImagesAPIViewSet(ValidatedParametersMixin, ImagesAPIViewSet):
    """Only illustrations that a published page shows: the library also holds pictures for drafts."""

    def get_queryset(self):
        from django.contrib.contenttypes.models import ContentType
        from django.db.models import CharField
        from django.db.models.functions import Cast
        from wagtail.models import Page, ReferenceIndex

        queryset = super().get_queryset()
        live_pages = Page.objects.live().public().annotate(key=Cast("pk", CharField())).values("key")
        shown = ReferenceIndex.objects.filter(
            base_content_type=ContentType.objects.get_for_model(Page), object_id__in=live_pages,
            to_content_type=ContentType.objects.get_for_model(queryset.model),
        ).values_list("to_object_id", flat=True).distinct()
        # A plain list of ids: Wagtail's search backends accept pk__in filters but not annotations.
        return queryset.filter(pk__in=[int(key) for key in shown if key.isdigit()])


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", StudioPagesAPIViewSet)
api_router.register_endpoint("images", StudioImagesAPIViewSet)
