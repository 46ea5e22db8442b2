from django.urls import path

from lms.core import exports
from lms.programmes import views

app_name = "runs"

# Mounted at /bootcamps/runs/ (lms/urls.py), before Wagtail's pages: the programme index
# page is /bootcamps/ and a programme page slugged "runs" would be hidden by these.
urlpatterns = [
    path("<int:run_id>/", views.run_detail, name="detail"),
    path("<int:run_id>/calendar.ics", views.run_calendar, name="calendar"),
    path("<int:run_id>/progress/", views.run_progress, name="progress"),
    path(
        "<int:run_id>/progress/export.csv",
        views.run_progress_export,
        {"file_format": exports.CSV},
        name="progress_csv",
    ),
    path(
        "<int:run_id>/progress/export.xlsx",
        views.run_progress_export,
        {"file_format": exports.XLSX},
        name="progress_xlsx",
    ),
]
