from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet
from wagtail.users.views.bulk_actions import SetActiveStateBulkAction

from lms.people import admin_views, services
from lms.people.models import CustomerOrganisation, Department


class DepartmentViewSet(SnippetViewSet):
    model = Department
    icon = "group"
    menu_label = _("Departments")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["name", "slug"]
    search_fields = ["name"]
    panels = [FieldPanel("name"), FieldPanel("slug")]


register_snippet(DepartmentViewSet)


class CustomerOrganisationViewSet(SnippetViewSet):
    """Customer companies whose people take part in bootcamps as guests (trainers and
    admins: people migration 0008). One with guests cannot be deleted."""

    model = CustomerOrganisation
    icon = "site"
    menu_label = _("Customer organisations")
    menu_order = 211
    add_to_admin_menu = True
    list_display = ["name", "contact_name", "contact_email", "created_at"]
    search_fields = ["name"]
    panels = [
        FieldPanel("name"),
        FieldPanel("contact_name"),
        FieldPanel("contact_email"),
        FieldPanel("contact_user"),
        FieldPanel("notes"),
    ]


register_snippet(CustomerOrganisationViewSet)


class PeopleAdminMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(admin_views.PERMISSION)


@hooks.register("register_admin_urls")
def register_org_import_url():
    return [
        path("people/import/", admin_views.OrgImportView.as_view(), name="people_import_org"),
    ]


@hooks.register("register_admin_urls")
def register_lockouts_url():
    return [path("people/lockouts/", admin_views.LockoutsView.as_view(), name="people_lockouts")]


@hooks.register("register_settings_menu_item")
def register_lockouts_menu_item():
    return PeopleAdminMenuItem(
        _("Sign-in lockouts"),
        reverse("people_lockouts"),
        name="sign-in-lockouts",
        icon_name="lock",
        order=603,
    )


@hooks.register("register_settings_menu_item")
def register_org_import_menu_item():
    return PeopleAdminMenuItem(
        _("Import people"),
        reverse("people_import_org"),
        name="import-people",
        icon_name="upload",
        order=602,
    )


@hooks.register("before_serve_document")
def documents_only_for_signed_in_people(document, request):
    """Documents (course hand-outs, guideline attachments) are for people with an account:
    an anonymous visitor is sent to the login page and comes back to the download.
    Collection privacy set in the admin (groups, password) applies on top."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


@hooks.register("construct_help_menu")
def keep_help_on_the_intranet(request, menu_items):
    """Wagtail's help menu links to guide.wagtail.org, which an intranet cannot reach;
    what stays are the entries inside the admin (the keyboard shortcuts)."""
    menu_items[:] = [item for item in menu_items if not urlsplit(str(item.url)).netloc]


class LeaverAwareSetActiveStateBulkAction(SetActiveStateBulkAction):
    """Wagtail's "Set active state" on the user list, person by person through
    people.services.set_active instead of one QuerySet.update (which sends no signal): the
    rollout board, the sign-off report, the award and the workshops' waiting lists follow
    as when one person is deactivated. All of the selection, or none of it."""

    @classmethod
    def execute_action(cls, objects, mark_as_active=False, model=None, **kwargs):
        user = kwargs.get("user")
        people = [person for person in objects if user is None or person.pk != user.pk]
        with transaction.atomic():
            for person in people:
                services.set_active(user=person, active=mark_as_active, source="admin (bulk)")
        return len(people), 0


# Registered after Wagtail's own (order 0), which it replaces under the same action type.
hooks.register("register_bulk_action", LeaverAwareSetActiveStateBulkAction, order=1)
