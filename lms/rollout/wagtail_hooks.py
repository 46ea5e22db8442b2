from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from lms.award.viewsets import AwardPeriodViewSet
from lms.kpis.viewsets import KpiRecordViewSet
from lms.rollout.models import (
    Criterion,
    DepartmentRollout,
    Stage,
)


class StageViewSet(SnippetViewSet):
    model = Stage
    icon = "list-ol"
    menu_label = _("Stages")
    list_display = ["number", "name_de", "name_en"]


class CriterionViewSet(SnippetViewSet):
    model = Criterion
    icon = "tick"
    menu_label = _("Criteria")
    list_display = ["stage", "kind", "metric", "track", "target", "label_de"]
    list_filter = ["stage", "kind"]


class DepartmentRolloutViewSet(SnippetViewSet):
    model = DepartmentRollout
    icon = "group"
    menu_label = _("Rollout owners")
    list_display = ["department", "stage", "owner"]


# The award's periods stay in the rollout menu, where admins have always found them.
class RolloutGroup(SnippetViewSetGroup):
    menu_label = _("Rollout")
    menu_icon = "site"
    menu_order = 250
    items = (
        StageViewSet,
        CriterionViewSet,
        DepartmentRolloutViewSet,
        KpiRecordViewSet,
        AwardPeriodViewSet,
    )


register_snippet(RolloutGroup)
