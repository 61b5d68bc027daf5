from django.shortcuts import get_object_or_404, render
from django.utils import translation

from cms.articles.models import Article
from cms.core.templatetags.kepu_tags import CHINESE, normalise_language

from .models import DoctorProfile


def doctor_homepage(request, slug: str):
    """A doctor's public page: who they are and their published articles, newest first."""
    doctor = get_object_or_404(DoctorProfile, slug=slug)
    articles = (
        Article.objects.live().public().filter(doctor=doctor)
        .select_related("locale").order_by("-first_published_at")
    )
    language = normalise_language(request.GET.get("lang")) or translation.get_language() or CHINESE
    response = render(request, "doctors/doctor_homepage.html", {
        "doctor": doctor, "articles": articles, "language": language,
    })
    # Outside i18n_patterns the locale middleware would announce the default language even for ?lang=en.
    response["Content-Language"] = language
    return response
