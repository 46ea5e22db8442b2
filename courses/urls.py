from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("catalog/", views.catalog, name="catalog"),
    path("courses/<int:course_id>/enrol/", views.enrol, name="enrol"),
    path("modules/<int:module_id>/complete/", views.complete_module, name="complete_module"),
]
