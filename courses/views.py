from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses import services
from courses.models import CourseIndexPage, CoursePage, ModulePage
from courses.selectors import course_progress, module_view


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
