from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from lms.pages import SingleQueryViewRestrictionsMixin, WholePathRoutingMixin


class HomePage(WholePathRoutingMixin, SingleQueryViewRestrictionsMixin, Page):
    """The start page: a welcome for visitors, the learner's dashboard once logged in."""

    headline = models.CharField(_("headline"), max_length=200, blank=True)
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("headline"), FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from courses.selectors import learner_dashboard, upcoming_bookings
        from lms.assignments.selectors import assignments_for

        context = super().get_context(request, *args, **kwargs)
        from lms.rollout.selectors import current_period, latest_stories, latest_winner, leaderboard

        context["stories"] = latest_stories()
        context["award_winner"] = latest_winner()
        period = current_period()
        if period is not None:
            leaders = leaderboard(period=period, limit=3)
            context["award_period"] = period
            context["award_leaders"] = leaders
        if request.user.is_authenticated:
            context["assignments"] = assignments_for(user=request.user)
            context["bookings"] = upcoming_bookings(user=request.user)
            context["dashboard"] = learner_dashboard(user=request.user)
        return context
