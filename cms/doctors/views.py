from django.shortcuts import get_object_or_404, render
from django.utils import translation
from wagtail import hooks

from cms.articles.models import Article
from cms.core.languages import site_language
from cms.core.publication import public_pages

from .models import DoctorProfile


def doctor_homepage(request, slug: str):
    """A doctor's public page: who they are, their published articles, and what other apps add.

    cms knows nothing of distribution: apps further down add to the page through two Wagtail hooks,
    ``doctor_homepage_panels(request, doctor) -> html`` (e.g. the join QR code) and
    ``doctor_article_stats(articles) -> {article id: {"reads": n, "shares": n}}``.
    """
    doctor = get_object_or_404(DoctorProfile.objects.select_related("photo"), slug=slug)
    articles = list(
        public_pages(Article.objects).filter(doctor=doctor).select_related("locale").order_by("-first_published_at")
    )
    stats: dict[int, dict[str, int]] = {}
    for provide in hooks.get_hooks("doctor_article_stats"):
        for article_id, figures in (provide(articles) or {}).items():
            stats.setdefault(article_id, {}).update(figures)
    for article in articles:
        article.homepage_stats = stats.get(article.pk, {})
    panels = [html for html in (panel(request, doctor) for panel in hooks.get_hooks("doctor_homepage_panels")) if html]
    language = request.GET.get("lang") if request.GET.get("lang") in ("zh-hans", "en") else None
    language = language or site_language(translation.get_language())
    with translation.override(language):
        response = _render(request, doctor, articles, language, panels)
    # Outside i18n_patterns the locale middleware would announce the default language even for ?lang=en.
    response["Content-Language"] = language
    return response


def _render(request, doctor, articles, language, panels):
    return render(
        request,
        "doctors/doctor_homepage.html",
        {
            "doctor": doctor,
            "articles": articles,
            "language": language,
            "profile": doctor.profile_for(language),
            "panels": panels,
            "canonical_url": request.build_absolute_uri(doctor.get_absolute_url()),
        },
    )
