from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    """The start page: a welcome for visitors, the learner's dashboard once logged in."""

    headline = models.CharField(_("headline"), max_length=200, blank=True)
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("headline"), FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from courses.models import CourseIndexPage
        from courses.selectors import learner_dashboard

        context = super().get_context(request, *args, **kwargs)
        context["catalog"] = CourseIndexPage.objects.live().first()
        if request.user.is_authenticated:
            context["dashboard"] = learner_dashboard(user=request.user)
        return context
