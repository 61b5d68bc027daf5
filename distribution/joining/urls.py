from django.urls import path

from . import views

app_name = "joining"
urlpatterns = [
    path("leave/<slug:token>/", views.leave, name="leave"),
    path("<str:token>/", views.join_page, name="join"),
    path("<str:token>/joined/", views.joined, name="joined"),
]
