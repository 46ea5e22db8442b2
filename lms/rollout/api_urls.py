"""Machine endpoints, included at /api/ by lms/urls.py."""

from django.urls import path

from lms.rollout import api

urlpatterns = [
    path("kpis/", api.kpis, name="api_kpis"),
]
