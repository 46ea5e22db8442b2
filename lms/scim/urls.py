from django.urls import path, re_path

from lms.scim import views

urlpatterns = [
    path("", views.scim, name="scim_root"),
    re_path(r"^(?P<path>.+)$", views.scim, name="scim"),
]
