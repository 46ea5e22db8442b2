from django.db import models
from django.utils import timezone
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
        from courses.selectors import learner_dashboard
        from home.highlights import home_highlights
        from lms.assignments.selectors import assignments_for
        from lms.core import learner_cache
        from lms.workshops.selectors import active_bookings, upcoming_bookings

        context = super().get_context(request, *args, **kwargs)
        highlights = home_highlights()
        context["stories"] = highlights.stories
        context["award_winner"] = highlights.award_winner
        context["award_period"] = highlights.award_period
        context["award_leaders"] = highlights.award_leaders
        if request.user.is_authenticated:
            user = request.user
            context["assignments"] = learner_cache.remember(
                # States turn overdue with the date.
                user=user,
                name=f"assignments:{timezone.localdate().isoformat()}",
                compute=lambda: assignments_for(user=user),
            )
            active = learner_cache.remember(
                user=user, name="workshop-bookings", compute=lambda: active_bookings(user=user)
            )
            context["bookings"] = upcoming_bookings(user=user, active=active)
            context["dashboard"] = learner_cache.remember(
                user=user, name="dashboard", compute=lambda: learner_dashboard(user=user)
            )
        return context
