from django.urls import path

from lms.quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("progress/", views.progress, name="progress"),
    path("marking/", views.marking_queue, name="marking"),
    path("marking/<int:pk>/", views.mark_sitting, name="mark"),
    path("attempts/<int:pk>/", views.result, name="result"),
    path("<slug:slug>/", views.quiz_detail, name="detail"),
    path("<slug:slug>/start/", views.start, name="start"),
    path("<slug:slug>/take/", views.take, name="take"),
]
