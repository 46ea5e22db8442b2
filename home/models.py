from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from lms.core.pages import SingleQueryViewRestrictionsMixin, WholePathRoutingMixin


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
        from home.dashboard import learner_home
        from home.highlights import home_highlights

        context = super().get_context(request, *args, **kwargs)
        highlights = home_highlights()
        context["stories"] = highlights.stories
        context["award_winner"] = highlights.award_winner
        context["award_period"] = highlights.award_period
        context["award_leaders"] = highlights.award_leaders
        if request.user.is_authenticated:
            learner = learner_home(user=request.user)
            context["assignments"] = learner.assignments
            context["bookings"] = learner.bookings
            context["dashboard"] = learner.dashboard
            context["dashboard_urls"] = learner.urls
            context["content_token"] = learner.token
        return context
