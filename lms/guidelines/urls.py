from django.urls import path

from lms.guidelines import views

app_name = "guidelines"

urlpatterns = [
    path("<int:document_id>/sign/", views.sign, name="sign"),
    path("team/", views.team, name="team"),
    path("reports/", views.report, name="report"),
    path(
        "reports/<int:document_id>/export.csv",
        views.export,
        {"file_format": "csv"},
        name="export",
    ),
    path(
        "reports/<int:document_id>/export.xlsx",
        views.export,
        {"file_format": "xlsx"},
        name="export_xlsx",
    ),
    path("reports/people/<int:user_id>/", views.audit, name="audit"),
    path("reports/record/", views.record_on_behalf, name="record"),
]
