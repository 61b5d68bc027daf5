from django.urls import path

from . import public_views, receipt_views

app_name = "campaigns"
urlpatterns = [
    path("unsubscribe/<slug:token>/", public_views.unsubscribe, name="unsubscribe"),
    path("reminders/<uuid:public_id>/", public_views.reminder, name="reminder"),
    path("webhook-inbox/", public_views.webhook_inbox, name="webhook_inbox"),
    path("receipts/wechat/<int:site_id>/", receipt_views.wechat_push, name="wechat_push"),
    path("receipts/sms/<int:site_id>/<slug:key>/", receipt_views.sms_status_callback, name="sms_status_callback"),
]
