from django.urls import path

from lms.workshops import views

app_name = "workshops"

# Mounted below /learn/ like the courses (lms/urls.py): the paths are the ones people
# have bookmarked and subscribed to in their calendars.
urlpatterns = [
    path("workshops/", views.index, name="index"),
    path("sessions/<int:session_id>/book/", views.book_session, name="book"),
    path("sessions/<int:session_id>/attendance/", views.session_attendance, name="attendance"),
    path("bookings/<int:booking_id>/cancel/", views.cancel_booking, name="cancel_booking"),
    path("bookings/<int:booking_id>/calendar.ics", views.booking_calendar, name="booking_ics"),
]
