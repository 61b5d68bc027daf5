from django.urls import path

from . import views

app_name = "sharing"
urlpatterns = [
    path("<str:token>/", views.read, name="read"),
]
