from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from lms.people import admin_views
from lms.people.models import Department


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
