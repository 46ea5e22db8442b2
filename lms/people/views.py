from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language
from wagtail.admin.views import account as wagtail_account

from lms.core import throttling
from lms.people import guest_access, services
from lms.people.forms import AccountForm, SitePasswordResetForm
from lms.people.selectors import password_sign_in_allowed

# Reset e-mails: per address (a mailbox is not flooded) and per client (addresses are
# not tried in bulk). Counted in the shared cache, as the API's limits.
RESET_RATE_PER_ADDRESS = "3/h"
RESET_RATE_PER_CLIENT = "20/h"


@require_POST
def set_language(request):
    """Django's language switch, which also remembers the choice on the account."""
    response = django_set_language(request)
    if request.user.is_authenticated:
        services.set_language(user=request.user, language=request.POST.get("language", ""))
    return response


@require_POST
@login_required
def account(request):
    """The profile page's name and language form (the page itself: notifications:profile)."""
    form = AccountForm.of(request.user, request.POST)
    if not form.is_valid():
        return render(request, "people/account_form.html", {"form": form}, status=400)
    services.update_account(
        user=request.user,
        first_name=form.cleaned_data["first_name"],
        last_name=form.cleaned_data["last_name"],
        language=form.cleaned_data["language"],
    )
    # In the language just saved: the next page's middleware reads the account's.
    with translation.override(request.user.language):
        messages.success(request, _("Your name and language have been saved."))
    return redirect("notifications:profile")


@login_required
def guest_home(request):
    """A guest's start page: the bootcamps they are in (registered by the apps that own
    them, lms.people.guest_access), or that there is none yet. Employees have theirs."""
    if not request.user.is_guest:
        return redirect("/")
    return render(
        request,
        "people/guest_home.html",
        {
            "entries": guest_access.start_entries(request),
            "organisation": request.user.customer_organisation,
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change; accounts without a password of their own (imported, not
    yet set) are sent to the reset by e-mail instead, which sets the first one."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not password_sign_in_allowed(
            username=request.user.username
        ):
            return render(
                request,
                "registration/password_change_unavailable.html",
                {"company_account": True},
                status=409,
            )
        if request.user.is_authenticated and not request.user.has_usable_password():
            return render(request, "registration/password_change_unavailable.html", status=409)
        return super().dispatch(request, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = SitePasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    @property
    def extra_email_context(self):
        # The link points at the site's configured address, never at the Host header a
        # request brought (which an attacker could set to a host of theirs).
        base = urlsplit(settings.WAGTAILADMIN_BASE_URL)
        return {
            "site_name": settings.WAGTAIL_SITE_NAME,
            "protocol": base.scheme,
            "domain": base.netloc,
        }

    def form_valid(self, form):
        address = form.cleaned_data["email"].lower()[:254]  # EmailField has stripped it
        client = throttling.client_ip(self.request) or "unknown"
        limits = (
            ("password-reset-address", address, RESET_RATE_PER_ADDRESS),
            ("password-reset-client", client, RESET_RATE_PER_CLIENT),
        )
        # Both are counted, whichever refuses.
        seconds = max(
            [
                throttling.retry_after(self.request, group=group, key=key, rate=rate, count=True)
                for group, key, rate in limits
            ]
        )
        if seconds:
            minutes = max(1, (seconds + 59) // 60)
            message = ngettext(
                "Too many requests to reset a password. Try again in %(minutes)s minute.",
                "Too many requests to reset a password. Try again in %(minutes)s minutes.",
                minutes,
            ) % {"minutes": minutes}
            response = render(self.request, "429.html", {"message": message}, status=429)
            response["Retry-After"] = str(seconds)
            return response
        return super().form_valid(form)


class RefuseLeaversMixin:
    """A reset link mailed before the person was deactivated opens nothing: the link is
    shown as invalid and no password is set (their account stays as they left it)."""

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None


class PasswordResetConfirmView(RefuseLeaversMixin, auth_views.PasswordResetConfirmView):
    pass


class AdminPasswordResetConfirmView(RefuseLeaversMixin, wagtail_account.PasswordResetConfirmView):
    """The Wagtail admin's own reset confirmation (lms/urls.py routes it before the
    admin's), with the same rule."""
