from django.utils.translation import gettext_lazy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from courses.models import Track


class TrackViewSet(SnippetViewSet):
    model = Track
    icon = "list-ul"
    menu_label = gettext_lazy("Tracks")
    menu_order = 200
    add_to_admin_menu = True
    list_display = ["name", "slug", "sort_order"]
    search_fields = ["name"]


register_snippet(TrackViewSet)
