from django.urls import path

from . import public_views

app_name = "campaigns"
urlpatterns = [
    path("unsubscribe/<slug:token>/", public_views.unsubscribe, name="unsubscribe"),
    path("reminders/<uuid:public_id>/", public_views.reminder, name="reminder"),
    path("webhook-inbox/", public_views.webhook_inbox, name="webhook_inbox"),
]
