from django.urls import path

from lms.assignments import views

app_name = "assignments"

urlpatterns = [
    path("", views.team, name="team"),
    path("export.csv", views.team_export, {"file_format": "csv"}, name="team_csv"),
    path("export.xlsx", views.team_export, {"file_format": "xlsx"}, name="team_xlsx"),
    path("assign/", views.assign, name="assign"),
]
