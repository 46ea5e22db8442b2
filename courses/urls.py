from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("catalog/", views.catalog, name="catalog"),
    path("workshops/", views.workshops, name="workshops"),
    path("courses/<int:course_id>/enrol/", views.enrol, name="enrol"),
    path("modules/<int:module_id>/complete/", views.complete_module, name="complete_module"),
    path("sessions/<int:session_id>/book/", views.book_session, name="book"),
    path("sessions/<int:session_id>/attendance/", views.session_attendance, name="attendance"),
    path("bookings/<int:booking_id>/cancel/", views.cancel_booking, name="cancel_booking"),
    path("bookings/<int:booking_id>/calendar.ics", views.booking_calendar, name="booking_ics"),
]
