"""What SCIM provisioning keeps beside the people and departments it writes.

A person is ``lms.people.models.User`` itself (its SCIM id is the primary key); what SCIM
has that the user model has not (the directory's externalId, the e-mail's type, whether
the directory deleted the person) lives in ``ProvisionedUser``. A SCIM group is a
``ProvisionedGroup``: a department or a role group (``LMS_SCIM_GROUP_ROLES``). The tokens
the directory sends are Wagtail's API tokens (``wagtail.models.APIToken``), marked as SCIM
tokens by a ``ScimToken`` row, which the KPI API refuses and which alone open /scim/v2/.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from wagtail.models import APIToken

from lms.people.models import Department

# Held by the service user whose tokens SCIM accepts (the group below has it).
PROVISION_PERMISSION = "scim.provision"
# Created by this app's migration with PROVISION_PERMISSION.
PROVISIONING_GROUP = "SCIM provisioning"
# The service user that every SCIM token acts as; it is never a SCIM resource itself.
SERVICE_USERNAME = "scim-provisioning"


class ProvisionedUser(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="scim",
        verbose_name=_("person"),
    )
    external_id = models.CharField(_("external ID"), max_length=255, blank=True, default="")
    email_type = models.CharField(_("e-mail type"), max_length=20, blank=True, default="")
    # The directory's language tag ("de-DE"); User.language follows it where the site has
    # that language.
    preferred_language = models.CharField(
        _("preferred language"), max_length=35, blank=True, default=""
    )
    # Set by a SCIM DELETE: the person is deactivated (never deleted) and no longer a SCIM
    # resource (404), until the directory creates the same userName again.
    removed_at = models.DateTimeField(_("removed by the directory"), null=True, blank=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("provisioned person")
        verbose_name_plural = _("provisioned people")
        permissions = [("provision", _("Can provision people and groups through SCIM"))]

    def __str__(self) -> str:
        return str(self.user)


class ProvisionedGroup(models.Model):
    """A directory group: a department, or a role group (exactly one of the two)."""

    display_name = models.CharField(_("display name"), max_length=100)
    external_id = models.CharField(_("external ID"), max_length=255, blank=True, default="")
    department = models.OneToOneField(
        Department,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="scim_group",
        verbose_name=_("department"),
    )
    role = models.OneToOneField(
        Group,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="scim_group",
        verbose_name=_("role"),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("provisioned group")
        verbose_name_plural = _("provisioned groups")
        constraints = [
            models.UniqueConstraint(Lower("display_name"), name="scim_group_display_name_unique"),
            models.CheckConstraint(
                condition=(Q(department__isnull=False) & Q(role__isnull=True))
                | (Q(department__isnull=True) & Q(role__isnull=False)),
                name="scim_group_department_or_role",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name


class ScimToken(models.Model):
    """Marks a Wagtail API token as one for SCIM (and so not for the KPI API)."""

    token = models.OneToOneField(
        APIToken, primary_key=True, on_delete=models.CASCADE, related_name="scim"
    )

    class Meta:
        verbose_name = _("SCIM token")
        verbose_name_plural = _("SCIM tokens")

    def __str__(self) -> str:
        return str(self.token)
