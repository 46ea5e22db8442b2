from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from wagtail.search import index

from lms.people import roles


class Department(index.Indexed, models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class CustomerOrganisation(index.Indexed, models.Model):
    """A customer company whose people take part in bootcamps as guests.

    Guests (``User.is_guest``) belong to exactly one; it cannot be deleted while it has
    guests (PROTECT): deactivate or move them first.
    """

    name = models.CharField(_("company name"), max_length=200, unique=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact's guest account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"is_guest": True},
        help_text=_("Optional: the contact person's own guest account in this company."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer organisation")
        verbose_name_plural = _("customer organisations")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        contact = self.contact_user
        if contact is not None and contact.customer_organisation_id != self.pk:
            raise ValidationError(
                {"contact_user": _("The contact's account must be a guest of this company.")}
            )


# A save that touches only these fields changes nothing another app counts or shows in an
# aggregate (every sign-in updates last_login); aggregators skip such saves.
ACCOUNT_ONLY_FIELDS = frozenset({"last_login", "password", "language"})


def only_account_fields(update_fields) -> bool:
    """Whether a User save with these `update_fields` touched account bookkeeping only."""
    return bool(update_fields) and set(update_fields) <= ACCOUNT_ONLY_FIELDS


class User(AbstractUser):
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Used for the site and for emails."),
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="direct_reports",
        help_text=_("The person this user reports to."),
    )
    # The company's own number for the person (HR system, directory): how an HR export, a
    # directory sync and a first single sign-on find a person they did not create.
    employee_id = models.CharField(
        _("employee ID"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("The person's number in the HR system or company directory."),
    )

    # An external participant (a customer's employee in a bootcamp), not an employee: reaches
    # only the pages meant for guests (lms.people.guest_access), never the admin, and is
    # left out of everything that lists the company's people.
    is_guest = models.BooleanField(
        _("guest"),
        default=False,
        help_text=_("An external participant from a customer organisation, not an employee."),
    )
    customer_organisation = models.ForeignKey(
        CustomerOrganisation,
        verbose_name=_("customer organisation"),
        null=True,
        blank=True,
        # A guest must have one (user_guest_has_organisation): a company with guests
        # cannot be deleted, SET_NULL would break that rule.
        on_delete=models.PROTECT,
        related_name="guests",
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.CheckConstraint(
                condition=Q(is_guest=False) | Q(customer_organisation__isnull=False),
                name="user_guest_has_organisation",
                violation_error_message=_("A guest belongs to a customer organisation."),
            ),
            models.CheckConstraint(
                condition=Q(is_guest=True) | Q(customer_organisation__isnull=True),
                name="user_employee_has_no_organisation",
                violation_error_message=_(
                    "Only guests belong to a customer organisation; employees do not."
                ),
            ),
            models.CheckConstraint(
                condition=Q(is_guest=False) | Q(department__isnull=True, manager__isnull=True),
                name="user_guest_outside_organisation_chart",
                violation_error_message=_("A guest has no department and no manager."),
            ),
            models.CheckConstraint(
                condition=Q(is_guest=False) | Q(is_staff=False, is_superuser=False),
                name="user_guest_not_staff",
                violation_error_message=_("A guest cannot be staff or a superuser."),
            ),
            models.CheckConstraint(
                condition=~Q(manager=F("id")),
                name="user_is_not_own_manager",
                violation_error_message=_("A person cannot be their own manager."),
            ),
            models.UniqueConstraint(
                fields=["employee_id"],
                condition=~Q(employee_id=""),
                name="user_employee_id_unique",
                violation_error_message=_("Another person has this employee ID."),
            ),
        ]
        indexes = [
            # A department's people by name, as the sign-off export reads them part by
            # part: in index order, so no part is sorted before its first row goes out.
            models.Index(
                fields=["department", "last_name", "username"], name="user_department_name"
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def save(self, *args, **kwargs):
        """One transaction with what the apps above keep in step with a person from their
        post_save receivers (the sign-off report's headcounts, lms.guidelines.tallies)."""
        if only_account_fields(kwargs.get("update_fields")):
            return super().save(*args, **kwargs)
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            return super().save(*args, **kwargs)

    # The roles the request's user holds, set by RoleAwareModelBackend when it loads the
    # user; None means "not loaded yet".
    known_roles: set[str] | None = None

    def in_group(self, name: str) -> bool:
        if self.is_guest:
            # A guest holds no internal role, whatever group they were put in.
            return name == roles.GUESTS
        if self.is_superuser:
            return True
        if self.known_roles is None:
            # Cached per instance: templates ask several times per request.
            self.known_roles = set(self.groups.values_list("name", flat=True))
        return name in self.known_roles

    @property
    def is_trainer(self) -> bool:
        return self.in_group(roles.TRAINERS) or self.in_group(roles.ADMINS)

    @property
    def is_manager(self) -> bool:
        return self.in_group(roles.MANAGERS)

    @property
    def sees_rollout(self) -> bool:
        return self.in_group(roles.ADMINS) or self.in_group(roles.LEADERSHIP)

    @property
    def leads_people(self) -> bool:
        """Managers see their team; admins see everyone."""
        return self.in_group(roles.MANAGERS) or self.in_group(roles.ADMINS)
