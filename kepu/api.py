"""Wagtail API v2: pages (entries and articles, with ?search=) and illustrations.

Wagtail checks most parameters itself; the mixin below adds the checks whose
absence turned malformed requests into server errors: integers beyond what the
database can hold (``offset=99999999999999999999``), an unknown
``search_operator``, NUL characters (PostgreSQL refuses them) and overlong
searches.
"""

import functools

from django.urls import NoReverseMatch
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from wagtail.api.querysets import get_public_pages_queryset
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.serializers import PageHtmlUrlField, PageSerializer
from wagtail.api.v2.utils import BadRequestError, page_models_from_string
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet
from wagtail.models import Page

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
                    raise BadRequestError(
                        _("%(name)s is too large (at most %(max)d)") % {"name": name, "max": MAX_DATABASE_INTEGER}
                    )
        if "search_operator" in self.request.GET and self.request.GET["search_operator"] not in SEARCH_OPERATORS:
            raise BadRequestError(_("search_operator must be “and” or “or”"))
        if len(self.request.GET.get("search", "")) > MAX_SEARCH_LENGTH:
            raise BadRequestError(_("search is longer than %(max)d characters") % {"max": MAX_SEARCH_LENGTH})


def _frozen(fields_config):
    """``parse_fields_parameter``'s nested lists as tuples, usable as a cache key."""
    return tuple(
        (name, negated, None if sub_fields is None else _frozen(sub_fields))
        for name, negated, sub_fields in fields_config
    )


class StudioPageHtmlUrlField(PageHtmlUrlField):
    def to_representation(self, page):
        # With the request, the sites' root paths are looked up once per response, not once per page.
        try:
            return page.get_full_url(request=self.context.get("request"))
        except NoReverseMatch:
            return None


class StudioPageSerializer(PageSerializer):
    html_url = StudioPageHtmlUrlField(read_only=True)


class StudioPagesAPIViewSet(ValidatedParametersMixin, PagesAPIViewSet):
    """Wagtail's pages endpoint, with the same answers for less work per request.

    Wagtail's listing builds its base queryset (view restrictions, site, the site root's
    translations) three times and a serializer class twice; here the base queryset at most once
    (not at all for one page type, whose own rows are filtered instead of a subquery), the class
    once per process for each field selection, and a listing does not read the model's API
    fields it does not show (an entry's sections are most of its row).
    """

    base_serializer_class = StudioPageSerializer

    def get_base_queryset(self):
        if not hasattr(self, "_base_queryset"):
            self._base_queryset = super().get_base_queryset()
        return self._base_queryset

    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            models = self.requested_page_types()
            # One page type: Wagtail keeps the model's rows whose id is among the public pages' ids, a
            # subquery SQLite evaluates over every page for each search (6 of an API search's ms on
            # the encyclopedia). The same public-pages filter on the model's own rows asks for no more.
            queryset = self.public_pages(models[0]) if len(models) == 1 else super().get_queryset()
            # Every listed page shows its locale (meta.locale): loaded with the pages, not one query each.
            self._queryset = queryset.select_related("locale")
        return self._queryset

    def requested_page_types(self) -> list:
        try:
            return page_models_from_string(self.request.GET["type"]) if self.request.GET.get("type") else []
        except (LookupError, ValueError):
            return []  # Wagtail's get_queryset answers "type doesn't exist"

    def public_pages(self, model):
        try:
            return get_public_pages_queryset(self.request, model=model)
        except ValueError as e:
            raise BadRequestError(str(e)) from e

    def get_serializer_context(self):
        # Only the detail view's "parent" field reads the base queryset: a listing need not build it.
        return {
            **super(PagesAPIViewSet, self).get_serializer_context(),
            "base_queryset": SimpleLazyObject(self.get_base_queryset),
        }

    def filter_queryset(self, queryset):
        if self.action == "listing_view":  # before the search filter turns it into search results
            shown = set(self.get_serializer_class().Meta.fields)
            columns = {field.name for field in queryset.model._meta.concrete_fields}
            unshown = [
                name for name in self.get_body_fields_names(queryset.model) if name in columns and name not in shown
            ]
            if unshown:
                queryset = queryset.defer(*unshown)
        return super().filter_queryset(queryset)

    @classmethod
    def _get_serializer_class(cls, router, model, fields_config, show_details=False, nested=False):
        return cls._serializer_class(router, model, _frozen(fields_config), show_details, nested)

    @classmethod
    @functools.lru_cache(maxsize=256)  # bounded: ?fields= is the client's to choose
    def _serializer_class(cls, router, model, fields_config, show_details, nested):
        return super()._get_serializer_class(router, model, fields_config, show_details=show_details, nested=nested)


class StudioImagesAPIViewSet(ValidatedParametersMixin, ImagesAPIViewSet):
    """Only illustrations that a published page shows: the library also holds pictures for drafts."""

    def get_queryset(self):
        from django.contrib.contenttypes.models import ContentType
        from django.db.models import CharField
        from django.db.models.functions import Cast
        from wagtail.models import ReferenceIndex

        queryset = super().get_queryset()
        live_pages = Page.objects.live().public().annotate(key=Cast("pk", CharField())).values("key")
        shown = (
            ReferenceIndex.objects.filter(
                base_content_type=ContentType.objects.get_for_model(Page),
                object_id__in=live_pages,
                to_content_type=ContentType.objects.get_for_model(queryset.model),
            )
            .values_list("to_object_id", flat=True)
            .distinct()
        )
        # A plain list of ids: Wagtail's search backends accept pk__in filters but not annotations.
        return queryset.filter(pk__in=[int(key) for key in shown if key.isdigit()])


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", StudioPagesAPIViewSet)
api_router.register_endpoint("images", StudioImagesAPIViewSet)
