from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordResetForm,
    _unicode_ci_compare,
)
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm
from wagtail.users.forms import UserCreationForm, UserEditForm

from lms.people import lockouts, roles, services
from lms.people.models import CustomerOrganisation, Department, User
from lms.people.selectors import password_sign_in_allowed


class PasswordPolicyMixin:
    """A password sign-in is refused, after the password check, when local passwords are
    off for this account (people.selectors.password_sign_in_allowed)."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not password_sign_in_allowed(username=user.get_username()):
            raise forms.ValidationError(
                _("Please sign in with your company account."), code="password_login_off"
            )


class LockoutMessageMixin:
    """A login form that says so when django-axes refused the sign-in as locked out.

    Axes' backend makes authenticate() return None as for a wrong password, and marks
    the request; the form then shows the lockout instead of "wrong password".
    """

    def get_invalid_login_error(self):
        if getattr(self.request, "axes_locked_out", False):
            setattr(self.request, lockouts.SHOWN_ON_FORM, True)
            seconds = lockouts.seconds_left(
                self.request, username=self.cleaned_data.get("username")
            )
            return forms.ValidationError(
                lockouts.lockout_message(seconds=seconds), code="locked_out"
            )
        return super().get_invalid_login_error()


class SiteLoginForm(PasswordPolicyMixin, LockoutMessageMixin, AuthenticationForm):
    pass


class SitePasswordResetForm(PasswordResetForm):
    """Django's reset by e-mail, for every active account with this address.

    Unlike Django's form it includes accounts without a usable password: people imported
    from the HR system get none and set their first one this way. The e-mail is written in
    the person's own language, not the one the request came in."""

    def get_users(self, email):
        # Django's own, without its has_usable_password() condition; the Unicode-aware
        # comparison stays (iexact alone would let "ı" or "ß" match another address).
        return (
            user
            for user in User.objects.filter(email__iexact=email, is_active=True)
            if _unicode_ci_compare(email, user.email)
            and password_sign_in_allowed(username=user.username)
        )

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        with translation.override(context["user"].language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


def _account_field(name: str, **kwargs):
    return User._meta.get_field(name).formfield(**kwargs)


class AccountForm(forms.Form):
    """What people change on their own account: their name and language (the account's
    own field rules; a plain form, so that validating leaves the signed-in user as it is)."""

    first_name = _account_field("first_name", label=_("First name"))
    last_name = _account_field("last_name", label=_("Last name"))
    language = _account_field("language", label=_("Language"))

    @classmethod
    def of(cls, user: User, data=None) -> "AccountForm":
        initial = {name: getattr(user, name) for name in cls.base_fields}
        return cls(data, initial=initial)


class AdminLoginForm(PasswordPolicyMixin, LockoutMessageMixin, WagtailLoginForm):
    """The Wagtail admin's login form (WAGTAILADMIN_USER_LOGIN_FORM)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Wagtail's field has no label, so Django shows the bare name "Password" in
        # every language.
        self.fields["password"].label = _("Password")


class ManagerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if obj.is_active:
            return super().label_from_instance(obj)
        return gettext("%(name)s (inactive)") % {"name": super().label_from_instance(obj)}


class OrganisationFieldsMixin(forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), required=False, label=_("Department")
    )
    customer_organisation = forms.ModelChoiceField(
        queryset=CustomerOrganisation.objects.all(),
        required=False,
        label=_("Customer organisation"),
        help_text=_("Guests only: the company they come from."),
    )
    # Active employees only: a leaver or a guest is nobody's new manager. A person whose manager left
    # keeps them (marked inactive) until someone else is chosen, so that the rest of their
    # account can still be saved.
    manager = ManagerChoiceField(
        queryset=User.objects.filter(is_active=True, is_guest=False).order_by("username"),
        required=False,
        label=_("Manager"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = getattr(self.instance, "manager_id", None)
        if current is not None:
            self.fields["manager"].queryset = User.objects.filter(
                Q(is_active=True, is_guest=False) | Q(pk=current)
            ).order_by("username")

    def clean_manager(self):
        manager = self.cleaned_data.get("manager")
        if manager and self.instance.pk and manager.pk == self.instance.pk:
            raise forms.ValidationError(_("A person cannot be their own manager."))
        return manager

    def clean(self):
        """A guest: from a customer organisation, outside the organisation chart, in no
        group but Guests (the database refuses the rest too; this says why)."""
        cleaned = super().clean()
        if not cleaned.get("is_guest"):
            if cleaned.get("customer_organisation"):
                self.add_error(
                    "customer_organisation",
                    _("Only guests belong to a customer organisation; employees do not."),
                )
            return cleaned
        if not cleaned.get("customer_organisation"):
            self.add_error(
                "customer_organisation", _("A guest belongs to a customer organisation.")
            )
        for name in ("department", "manager"):
            if cleaned.get(name):
                self.add_error(name, _("A guest has no department and no manager."))
        if cleaned.get("is_superuser") or getattr(self.instance, "is_staff", False):
            self.add_error(None, _("A guest cannot be staff or a superuser."))
        groups = cleaned.get("groups")
        if groups is not None and any(group.name != roles.GUESTS for group in groups):
            self.add_error(
                "groups",
                _("A guest holds no role: they can only be in the group “%(group)s”.")
                % {"group": roles.GUESTS},
            )
        return cleaned


GUEST_FIELDS = {"is_guest", "customer_organisation"}


class LmsUserCreationForm(OrganisationFieldsMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = (
            UserCreationForm.Meta.fields | {"department", "manager", "employee_id"} | GUEST_FIELDS
        )


class LmsUserEditForm(OrganisationFieldsMixin, UserEditForm):
    class Meta(UserEditForm.Meta):
        fields = UserEditForm.Meta.fields | {"department", "manager", "employee_id"} | GUEST_FIELDS

    def save(self, commit=True):
        """Wagtail's "active" box goes through people.services.set_active, as SCIM and the
        HR import do: a leaver is deactivated one way, whoever does it."""
        if not commit or "is_active" not in self.changed_data:
            return super().save(commit)
        active = self.instance.is_active  # the form's value
        self.instance.is_active = not active
        user = super().save(commit)
        services.set_active(user=user, active=active, source="admin")
        return user
