from django.urls import path

from . import views

app_name = "sharing"
urlpatterns = [
    path("<str:token>/", views.read, name="read"),
    path("<str:token>/qr.<str:fmt>", views.qr_code, name="qr"),
    path("<str:token>/events/", views.record_event, name="event"),
    path("<str:token>/wechat-config/", views.wechat_share_config, name="wechat-config"),
]
