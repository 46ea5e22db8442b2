from django.urls import path

from lms.rollout import views

app_name = "rollout"

urlpatterns = [
    path("", views.board, name="board"),
    path("departments/<slug:slug>/", views.department, name="department"),
    path("departments/<slug:slug>/advance/", views.advance, name="advance"),
    path("departments/<slug:slug>/criteria/<int:criterion_id>/tick/", views.tick, name="tick"),
]
