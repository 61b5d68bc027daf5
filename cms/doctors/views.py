from django.shortcuts import get_object_or_404, render
from django.utils import translation

from cms.articles.models import Article

from .models import DoctorProfile


def doctor_homepage(request, slug: str):
    """A doctor's public page: who they are and their published articles, newest first."""
    doctor = get_object_or_404(DoctorProfile, slug=slug)
    articles = (
        Article.objects.live().public().filter(doctor=doctor)
        .select_related("locale").order_by("-first_published_at")
    )
    language = translation.get_language() or "zh-hans"
    return render(request, "doctors/doctor_homepage.html", {
        "doctor": doctor, "articles": articles, "language": language,
    })
