from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from courses import services
from courses.calendar import booking_ics
from courses.forms import AttendanceForm
from courses.models import (
    Booking,
    CourseIndexPage,
    CoursePage,
    ModulePage,
    WorkshopIndexPage,
    WorkshopSession,
)
from courses.selectors import can_take_attendance, course_progress, module_view, session_roster


@require_POST
def enrol(request, course_id: int):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    if not request.user.is_authenticated:
        return redirect_to_login(course.url)
    try:
        _enrollment, created = services.enrol(user=request.user, course=course)
    except services.GuidelinesMissing:
        messages.error(request, _("Accept the listed guidelines before you start this course."))
        return redirect(course.url)
    if created:
        messages.success(request, _("You are enrolled in “%(course)s”.") % {"course": course.title})
    next_module = course_progress(course=course, user=request.user).next_module
    return redirect(next_module.url if next_module else course.url)


@require_POST
def complete_module(request, module_id: int):
    module = get_object_or_404(ModulePage.objects.live(), pk=module_id)
    if not request.user.is_authenticated:
        return redirect_to_login(module.url)
    try:
        result = services.complete_module(user=request.user, module=module)
    except services.QuizUnavailable:
        messages.error(
            request,
            _(
                "The quiz of this module is not available at the moment, so the module cannot "
                "be completed yet. Please ask your trainer."
            ),
        )
        return redirect(module.url)
    except services.QuizNotPassed:
        messages.error(request, _("Pass the quiz of this module to complete it."))
        return redirect(module.url)
    except services.GuidelinesMissing:
        messages.error(request, _("Accept the listed guidelines before you start this course."))
        return redirect(services.course_of(module=module).url)
    view = module_view(module=module, user=request.user)
    if result.course_completed_now:
        messages.success(
            request,
            _("Congratulations! You have completed “%(course)s”.") % {"course": view.course.title},
        )
        return redirect(view.course.url)
    if result.created:
        messages.success(request, _("“%(module)s” is done.") % {"module": module.title})
    target = view.next or view.progress.next_module
    return redirect(target.url if target else view.course.url)


def _index_redirect(model):
    page = model.objects.live().first()
    if page is None:
        raise Http404(_("This page has not been set up yet."))
    return redirect(page.url)


def catalog(request):
    """A stable URL for the catalog, whatever slug editors give its page."""
    return _index_redirect(CourseIndexPage)


def workshops(request):
    return _index_redirect(WorkshopIndexPage)


# --- Workshops -------------------------------------------------------------------------


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
    if booking.status == Booking.WAITLISTED:
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
@require_POST
def cancel_booking(request, booking_id: int):
    booking = get_object_or_404(
        Booking.objects.select_related("workshop"), pk=booking_id, user=request.user
    )
    try:
        services.cancel_booking(user=request.user, booking=booking)
    except services.BookingRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your booking is cancelled."))
    return redirect(booking.workshop.url)


@login_required
def booking_calendar(request, booking_id: int):
    booking = get_object_or_404(
        Booking.objects.select_related("session__workshop").exclude(status=Booking.CANCELLED),
        pk=booking_id,
        user=request.user,
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
            return redirect("courses:attendance", session_id=session.pk)
    return render(
        request,
        "courses/session_attendance.html",
        {
            "session": session,
            "roster": session_roster(session=session),
            "started": session.starts_at <= timezone.now(),
        },
    )
