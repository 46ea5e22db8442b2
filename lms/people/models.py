from django.conf import settings
from django.contrib.auth.models import AbstractUser
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

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
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
