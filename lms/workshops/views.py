from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lms.workshops import services
from lms.workshops.calendar import booking_ics
from lms.workshops.forms import AttendanceForm
from lms.workshops.models import Booking, WorkshopIndexPage, WorkshopSession
from lms.workshops.selectors import can_take_attendance, session_roster


def index(request):
    """A stable URL for the workshops, whatever slug editors give their page."""
    page = WorkshopIndexPage.objects.live().first()
    if page is None:
        raise Http404(_("This page has not been set up yet."))
    return redirect(page.url)


@login_required
@require_POST
def book_session(request, session_id: int):
    session = get_object_or_404(
        WorkshopSession.objects.select_related("workshop").filter(workshop__live=True),
        pk=session_id,
    )
    try:
        booking = services.book_session(user=request.user, session=session)
    except services.BookingRefused as error:
        messages.error(request, str(error))
        return redirect(session.workshop.url)
    if booking.status == Booking.Status.WAITLISTED:
        messages.warning(
            request,
            _(
                "The session is full. You are on the waiting list and move up automatically when a seat frees up."
            ),
        )
    else:
        messages.success(request, _("Your seat is booked."))
    return redirect(session.workshop.url)


@login_required
@require_http_methods(["GET", "POST"])
def cancel_booking(request, booking_id: int):
    """GET asks "really cancel?" (a page of its own, so it works without JavaScript);
    only the POST from that page cancels. Somebody else's booking is not found."""
    booking = get_object_or_404(
        Booking.objects.select_related("workshop", "session"), pk=booking_id, user=request.user
    )
    if request.method == "GET":
        if booking.status == Booking.Status.CANCELLED:
            messages.info(request, _("This booking is already cancelled."))
            return redirect(booking.workshop.url)
        if booking.session.has_started:
            messages.error(request, _("The session has started; it can no longer be cancelled."))
            return redirect(booking.workshop.url)
        return render(request, "workshops/cancel_booking.html", {"booking": booking})
    try:
        services.cancel_booking(user=request.user, booking=booking)
    except services.BookingRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your booking is cancelled."))
    return redirect(booking.workshop.url)


@login_required
def booking_calendar(request, booking_id: int):
    """The booking's calendar file; once the booking or its session is cancelled, the
    cancellation of the same event."""
    booking = get_object_or_404(
        Booking.objects.select_related("session__workshop"), pk=booking_id, user=request.user
    )
    content = booking_ics(
        booking=booking,
        url=request.build_absolute_uri(booking.session.workshop.url),
        host=request.get_host(),
    )
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="workshop-{booking.session_id}.ics"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def session_attendance(request, session_id: int):
    session = get_object_or_404(WorkshopSession.objects.select_related("workshop"), pk=session_id)
    if not can_take_attendance(session=session, user=request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = AttendanceForm(request.POST)
        if not form.is_valid():
            return HttpResponseBadRequest(_("Attendance names an unknown booking."))
        try:
            count = services.mark_attendance(
                marker=request.user, session=session, attended_ids=form.cleaned_data["attended"]
            )
        except services.BookingRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Attendance saved: %(count)d present.") % {"count": count})
            return redirect("workshops:attendance", session_id=session.pk)
    return render(
        request,
        "workshops/session_attendance.html",
        {
            "session": session,
            "roster": session_roster(session=session),
            "started": session.starts_at <= timezone.now(),
        },
    )
