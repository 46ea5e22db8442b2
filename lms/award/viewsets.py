from django.utils.translation import gettext_lazy as _
from wagtail.snippets.views.snippets import SnippetViewSet

from lms.award.models import AwardPeriod


class AwardPeriodViewSet(SnippetViewSet):
    """Award periods in the admin (the rollout's menu group shows them)."""

    model = AwardPeriod
    icon = "pick"
    menu_label = _("Award periods")
    list_display = ["name", "starts_on", "ends_on", "winner"]
