from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from courses.models import Track, WorkshopSession


class TrackViewSet(SnippetViewSet):
    model = Track
    icon = "list-ul"
    menu_label = _("Tracks")
    menu_order = 200
    add_to_admin_menu = True
    list_display = ["name", "slug", "sort_order"]
    search_fields = ["name"]


register_snippet(TrackViewSet)


class WorkshopSessionViewSet(ModelViewSet):
    model = WorkshopSession
    icon = "date"
    menu_label = _("Workshop sessions")
    menu_order = 205
    add_to_admin_menu = True
    list_display = ["workshop", "starts_at", "ends_at", "location", "capacity"]
    list_filter = ["workshop"]
    form_fields = ["workshop", "starts_at", "ends_at", "location", "online_url", "capacity"]
    copy_view_enabled = True


hooks.register("register_admin_viewset", lambda: WorkshopSessionViewSet("workshop-sessions"))
