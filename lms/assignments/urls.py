from django.urls import path

from lms.assignments import views

app_name = "assignments"

urlpatterns = [
    path("", views.team, name="team"),
    path("export.csv", views.team_csv, name="team_csv"),
    path("assign/", views.assign, name="assign"),
]
