from django.urls import path

from lms.sso import views

app_name = "sso"

urlpatterns = [
    path("sso/start/", views.start, name="start"),
    path("sso/callback/", views.callback, name="callback"),
]
