from django.urls import path

from lms.reminders import views

app_name = "reminders"

urlpatterns = [
    path("remind/", views.remind, name="remind"),
]
