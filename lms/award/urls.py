from django.urls import path

from lms.award import views

app_name = "award"

# Mounted at /rollout/award/ (lms/urls.py), where the leaderboard has always been.
urlpatterns = [
    path("", views.leaderboard, name="leaderboard"),
    path("<int:period_id>/", views.leaderboard, name="period"),
]
