"""Success stories: an index page below the home page and one page per story."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from lms.core.blocks import LearningContentBlock
from lms.core.pages import SectionIndexPage, SingleQueryViewRestrictionsMixin


class SuccessStoryIndexPage(SectionIndexPage):
    subpage_types = ["stories.SuccessStoryPage"]

    class Meta:
        db_table = "rollout_successstoryindexpage"  # the table of its first home, kept
        verbose_name = _("success stories")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["stories"] = (
            SuccessStoryPage.objects.live()
            .child_of(self)
            .select_related("department")
            .order_by("-first_published_at")
        )
        return context


class SuccessStoryPage(SingleQueryViewRestrictionsMixin, Page):
    department = models.ForeignKey(
        "people.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="success_stories",
    )
    teaser = models.CharField(_("teaser"), max_length=300)
    body = StreamField(LearningContentBlock(), verbose_name=_("story"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("department"),
        FieldPanel("teaser"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("teaser")]
    parent_page_types = ["stories.SuccessStoryIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        db_table = "rollout_successstorypage"  # the table of its first home, kept
        verbose_name = _("success story")
        verbose_name_plural = _("success stories")
