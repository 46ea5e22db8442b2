from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from lms.core import learner_cache
from lms.core.blocks import LearningContentBlock
from lms.core.pages import SectionIndexPage, SingleQueryViewRestrictionsMixin
from lms.quizzes.admin_forms import ARCHIVED_QUIZ, refuse_newly_archived


class Track(index.Indexed, models.Model):
    """A learning track such as Social Selling; trainers add their own as snippets."""

    COLOURS = [
        ("blue", _("Blue")),
        ("green", _("Green")),
        ("orange", _("Orange")),
        ("purple", _("Purple")),
        ("teal", _("Teal")),
        ("red", _("Red")),
    ]

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    colour = models.CharField(_("colour"), max_length=20, choices=COLOURS, default="blue")
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("colour"),
        FieldPanel("sort_order"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("track")
        verbose_name_plural = _("tracks")

    def __str__(self) -> str:
        return self.name


class CourseIndexPage(SectionIndexPage):
    """The course catalog."""

    subpage_types = ["courses.CoursePage"]

    class Meta:
        verbose_name = _("course catalog")

    def get_context(self, request, *args, **kwargs):
        from courses import selectors
        from courses.forms import CatalogFilterForm

        context = super().get_context(request, *args, **kwargs)
        filter_form = CatalogFilterForm(request.GET or None)
        context["filter_form"] = filter_form
        context["courses"] = selectors.catalog_courses(
            catalog=self,
            filters=filter_form.cleaned_filters(),
        )
        return context


class CoursePage(SingleQueryViewRestrictionsMixin, Page):
    track = models.ForeignKey(
        Track,
        verbose_name=_("track"),
        on_delete=models.PROTECT,
        related_name="courses",
    )
    target_departments = ParentalManyToManyField(
        "people.Department",
        verbose_name=_("target departments"),
        blank=True,
        related_name="recommended_courses",
        help_text=_("The course is recommended to members of these departments."),
    )
    summary = models.TextField(_("summary"), max_length=600)
    learning_objectives = StreamField(
        [("objective", blocks.CharBlock(label=_("Objective"), max_length=300))],
        verbose_name=_("learning objectives"),
        blank=True,
    )
    # No stored duration: "n modules · about m minutes" is summed from the live modules
    # (courses.selectors), so it cannot disagree with them.
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    required_guidelines = ParentalManyToManyField(
        "guidelines.GuidelinePage",
        verbose_name=_("guidelines to accept first"),
        blank=True,
        related_name="gated_courses",
        help_text=_("Learners must accept the current version of these documents to start."),
    )

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("track"),
                FieldPanel("target_departments", widget=forms.CheckboxSelectMultiple),
            ],
            heading=_("Audience"),
        ),
        FieldPanel("summary"),
        FieldPanel("learning_objectives"),
        FieldPanel("cover_image"),
        FieldPanel("required_guidelines", widget=forms.CheckboxSelectMultiple),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary")]

    parent_page_types = ["courses.CourseIndexPage"]
    # Read with the page when it is served (see lms.core.pages.live_page_at).
    route_select_related = ("track",)
    subpage_types = ["courses.ModulePage"]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def get_context(self, request, *args, **kwargs):
        from courses import selectors

        context = super().get_context(request, *args, **kwargs)
        context["outline"] = learner_cache.remember(
            user=request.user,
            name=f"course:{self.pk}",
            compute=lambda: selectors.course_progress(course=self, user=request.user),
        )
        urls = context["module_urls"] = selectors.ModuleUrls(course=self, request=request)
        context["catalog_url"] = urls.catalog_url(self)
        context["departments"] = selectors.target_departments(course=self)
        return context


class ModulePageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned = super().clean()
        refuse_newly_archived(self, "quiz", ARCHIVED_QUIZ)
        return cleaned


class ModulePage(SingleQueryViewRestrictionsMixin, Page):
    intro = models.CharField(_("teaser"), max_length=300, blank=True)
    body = StreamField(LearningContentBlock(), verbose_name=_("content"), blank=True)
    estimated_minutes = models.PositiveIntegerField(_("estimated minutes"), default=15)
    required = models.BooleanField(
        _("required"),
        default=True,
        help_text=_("Learners complete the course when every required module is done."),
    )
    quiz = models.ForeignKey(
        "quizzes.Quiz",
        verbose_name=_("quiz"),
        null=True,
        blank=True,
        # A gate is never removed by deleting its quiz; archive the quiz or choose another.
        on_delete=models.PROTECT,
        related_name="modules",
        help_text=_("With a quiz, the module is complete only once the learner passes it."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        MultiFieldPanel(
            [FieldPanel("estimated_minutes"), FieldPanel("required"), FieldPanel("quiz")],
            heading=_("Settings"),
        ),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]

    base_form_class = ModulePageForm
    parent_page_types = ["courses.CoursePage"]
    route_select_related = ("quiz",)
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def serve(self, request, *args, **kwargs):
        from courses import selectors

        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        progress = learner_cache.remember(
            user=request.user,
            name=f"course-of-module:{self.path[: -self.steplen]}",
            compute=lambda: selectors.course_progress_of_module(module=self, user=request.user),
        )
        view = selectors.module_view(module=self, user=request.user, progress=progress)
        if view.progress.missing_guidelines:
            messages.warning(
                request, _("Accept the listed guidelines before you start this course.")
            )
            return redirect(view.course.url)
        return super().serve(request, *args, module_view=view, **kwargs)

    @property
    def active_quiz_id(self) -> int | None:
        """The quiz that gates completion. A quiz learners cannot take (a draft, archived)
        still gates: the module waits until it is available again or another is chosen."""
        return self.quiz_id

    def get_context(self, request, *args, module_view=None, **kwargs):
        from courses import selectors

        context = super().get_context(request, *args, **kwargs)
        view = module_view or selectors.module_view(module=self, user=request.user)
        context["view"] = view
        urls = context["module_urls"] = selectors.ModuleUrls(course=view.course, request=request)
        context["catalog_url"] = urls.catalog_url(view.course)
        return context


class Enrollment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="enrollments",
    )
    course = models.ForeignKey(
        CoursePage, verbose_name=_("course"), on_delete=models.CASCADE, related_name="enrollments"
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="one_enrollment_per_course"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.course}"


class ModuleCompletion(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="module_completions",
    )
    module = models.ForeignKey(
        ModulePage, verbose_name=_("module"), on_delete=models.CASCADE, related_name="completions"
    )
    completed_at = models.DateTimeField(_("completed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("module completion")
        verbose_name_plural = _("module completions")
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="one_completion_per_module"),
        ]
        # Award points count a learner's completions in a period.
        indexes = [models.Index(fields=["user", "completed_at"], name="completion_user_time")]

    def __str__(self) -> str:
        return f"{self.user} ✓ {self.module}"
