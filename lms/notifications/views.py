from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import InvalidPage
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lms.core.input_safety import whole_number
from lms.notifications import selectors, services
from lms.notifications.forms import EmailChoicesForm
from lms.notifications.kinds import kinds_for
from lms.people.forms import AccountForm


def _back(request, default: str = "notifications:list"):
    """Back to `next` if it is a path on this site, else to the list."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        # A path, never a view name: redirect() would try to reverse anything else.
        return HttpResponseRedirect(target)
    return redirect(default)


@login_required
@require_GET
def notification_list(request):
    number = whole_number(request.GET.get("page", "1"))
    if number is None:
        return HttpResponseBadRequest(_("The page number must be a whole number."))
    try:
        page = selectors.notifications_page(user=request.user, number=number)
    except InvalidPage as error:
        raise Http404(_("This page of notifications does not exist.")) from error
    return render(
        request,
        "notifications/list.html",
        {"page": page, "notifications": page.object_list},
    )


@login_required
@require_POST
def mark_read(request, pk: int):
    if not services.mark_read(user=request.user, notification_id=pk):
        raise Http404(_("No such notification."))
    return _back(request)


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return _back(request)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    choices = selectors.email_choices(user=request.user)
    form = EmailChoicesForm(
        request.POST or None, initial_choices=choices, kinds=kinds_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        services.save_email_choices(user=request.user, choices=form.choices())
        messages.success(request, _("Your e-mail settings have been saved."))
        return redirect("notifications:profile")
    account_form = AccountForm.of(request.user)
    return render(
        request, "notifications/profile.html", {"form": form, "account_form": account_form}
    )
