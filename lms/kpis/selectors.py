"""Queries about KPI integrations: the service users and their tokens."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from wagtail.models import APIToken

from lms.kpis.models import SUBMIT_PERMISSION, IntegrationToken
from lms.people.models import User


def service_users() -> QuerySet[User]:
    """Active users who hold the permission to send KPI records (directly or by a group).

    Superusers are left out: a token of theirs would open far more than the KPI endpoint.
    """
    app_label, codename = SUBMIT_PERMISSION.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (
        User.objects.filter(is_active=True, is_superuser=False)
        .filter(Q(user_permissions__in=permission) | Q(groups__permissions__in=permission))
        .distinct()
        .order_by("username")
    )


def integration_tokens() -> QuerySet[APIToken]:
    """The API tokens of the service users, newest first, revoked ones too."""
    return (
        APIToken.objects.filter(user__in=service_users())
        .select_related("user")
        .order_by("-created", "-pk")
    )


def legacy_tokens() -> QuerySet[IntegrationToken]:
    return IntegrationToken.objects.order_by("name")


def token_name_taken(name: str) -> bool:
    """Records carry the token's name as their source, so a name is used once."""
    return (
        APIToken.objects.filter(name__iexact=name).exists()
        or IntegrationToken.objects.filter(name__iexact=name).exists()
    )
