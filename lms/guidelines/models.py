"""Versioned policy documents (guidelines, crisis plan, approval matrix) and their sign-offs."""

from __future__ import annotations

import hashlib
import json

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Now
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.actions.publish_page_revision import PublishPagePermissionError
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page, PagePermissionTester

from lms.core.pages import SectionIndexPage, SignInRequiredMixin, SingleQueryViewRestrictionsMixin
from lms.guidelines.blocks import GuidelineContentBlock
from lms.quizzes.admin_forms import ARCHIVED_QUIZ, refuse_newly_archived
from lms.quizzes.selectors import quiz_states


class GuidelinePublishRefused(PublishPagePermissionError):
    """A guideline revision goes live only once the approval workflow approved it."""

    def __init__(self, message=None):
        super().__init__(
            message
            or _(
                "Guideline documents are published by approval: use “Submit for approval” "
                "so a guideline approver can review the change."
            )
        )


class GuidelineIndexPermissionTester(PagePermissionTester):
    def can_publish_subpage(self):
        # A new document, a copy or an alias would go live without approval.
        return False


class GuidelinePermissionTester(PagePermissionTester):
    """Nobody publishes a guideline document directly, not even a superuser: the
    Publish button and the bulk action are not offered. The approval workflow's final
    approval publishes it (lms.guidelines.workflows)."""

    def can_publish(self):
        return False

    @cached_property
    def _holds_publish_permission(self):
        return PagePermissionTester.can_publish(self)

    def can_set_view_restrictions(self):
        return self._holds_publish_permission

    def can_unschedule(self):
        return self._holds_publish_permission


class GuidelineIndexPage(SectionIndexPage):
    subpage_types = ["guidelines.GuidelinePage"]

    class Meta:
        verbose_name = _("guideline index")

    def permissions_for_user(self, user):
        return GuidelineIndexPermissionTester(user, self)

    def get_context(self, request, *args, **kwargs):
        from lms.guidelines import selectors

        context = super().get_context(request, *args, **kwargs)
        context["documents"] = selectors.documents_for(user=request.user)
        return context


class GuidelinePageForm(WagtailAdminPageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # After a publish the flag starts unticked again, so a typo fix is never
        # published as a material change by accident.
        if self.instance.pk and not self.instance.has_unpublished_changes:
            self.initial["material_change"] = False
            self.initial["change_summary"] = ""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("material_change") and not cleaned.get("change_summary", "").strip():
            self.add_error(
                "change_summary",
                _("Summarise what changed: employees read this before they sign again."),
            )
        refuse_newly_archived(self, "quiz", ARCHIVED_QUIZ)
        return cleaned


class GuidelinePage(SignInRequiredMixin, SingleQueryViewRestrictionsMixin, Page):
    class Kind(models.TextChoices):
        GUIDELINES = "guidelines", _("Social media guidelines")
        CRISIS_PLAN = "crisis_plan", _("Crisis plan")
        APPROVAL_MATRIX = "approval_matrix", _("Approval matrix")
        OTHER = "other", _("Other policy")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.GUIDELINES)
    summary = models.TextField(_("summary"), max_length=600, blank=True)
    body = StreamField(GuidelineContentBlock(), verbose_name=_("content"), blank=True)
    applies_to_all = models.BooleanField(
        _("applies to all employees"),
        default=True,
        help_text=_("Untick to choose departments below."),
    )
    departments = ParentalManyToManyField(
        "people.Department",
        verbose_name=_("departments"),
        blank=True,
        related_name="guidelines",
    )
    quiz = models.ForeignKey(
        "quizzes.Quiz",
        verbose_name=_("comprehension quiz"),
        null=True,
        blank=True,
        # Deleting the quiz must not open the gate to signing; archive it instead.
        on_delete=models.PROTECT,
        related_name="guideline_pages",
        help_text=_("Optional: employees must pass it before they can sign."),
    )
    material_change = models.BooleanField(
        _("material change: employees must sign again"),
        default=False,
        help_text=_("Leave unticked for corrections such as typos; the version stays the same."),
    )
    change_summary = models.TextField(
        _("what changed"),
        blank=True,
        max_length=1000,
        help_text=_("Shown to employees who accepted an earlier version."),
    )

    base_form_class = GuidelinePageForm
    content_panels = Page.content_panels + [
        FieldPanel("kind"),
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("applies_to_all"),
                FieldPanel("departments", widget=forms.CheckboxSelectMultiple),
                FieldPanel("quiz"),
            ],
            heading=_("Who must sign"),
        ),
        MultiFieldPanel(
            [FieldPanel("material_change"), FieldPanel("change_summary")],
            heading=_("Version"),
        ),
    ]
    parent_page_types = ["guidelines.GuidelineIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("guideline document")
        verbose_name_plural = _("guideline documents")

    def clean(self):
        super().clean()
        if self.material_change and not self.change_summary.strip():
            raise ValidationError({"change_summary": _("Summarise what changed.")})

    def permissions_for_user(self, user):
        return GuidelinePermissionTester(user, self)

    def is_approved(self, revision_id: int | None) -> bool:
        """Whether the approval workflow (or the documented system path for a first
        text, lms.guidelines.services.publish_initial_text) approved this revision."""
        return (
            revision_id is not None
            and GuidelineApproval.objects.filter(
                document_id=self.pk, revision_id=revision_id
            ).exists()
        )

    def publish(self, revision, *args, **kwargs):
        """Every publish Wagtail offers through a revision (bulk action, scheduled
        publishing, `revision.publish()` in code, the workflow itself) comes here first:
        refuse before anything is written or scheduled."""
        if not self.is_approved(revision.pk):
            raise GuidelinePublishRefused
        return super().publish(revision, *args, **kwargs)

    def save(self, *args, **kwargs):
        """The deepest point every publish shares (the editor and the admin API call
        Wagtail's publish action directly): the row goes live with a revision only if it
        was approved. A database trigger holds the same rule for any other write."""
        update_fields = kwargs.get("update_fields")
        touches_live = update_fields is None or {"live", "live_revision"} & set(update_fields)
        if self.live and touches_live:
            stored = (
                GuidelinePage.objects.filter(pk=self.pk)
                .values_list("live", "live_revision_id")
                .first()
                if self.pk
                else None
            )
            unchanged = stored == (True, self.live_revision_id)
            if not unchanged and not self.is_approved(self.live_revision_id):
                raise GuidelinePublishRefused
        return super().save(*args, **kwargs)

    def content_hash(self) -> str:
        """A fingerprint of the text employees accept: title and body, canonical JSON."""
        payload = json.dumps(
            {"title": self.title, "body": self.body.get_prep_value()},
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def get_context(self, request, *args, **kwargs):
        from lms.guidelines import selectors

        context = super().get_context(request, *args, **kwargs)
        context["status"] = selectors.document_status(document=self, user=request.user)
        if self.quiz_id:
            context["quiz_state"] = quiz_states(user=request.user, quizzes=[self.quiz])[
                self.quiz_id
            ]
        return context


class GuidelineVersion(models.Model):
    """A version employees accept; a new one starts with each material change.

    Permanent like the sign-offs that point to it: the database refuses to change its
    content (document, number, hash, snapshot, change summary, publication time) or to
    delete it; `revision` and `published_by` may only be cleared (SET NULL when the
    Wagtail revision or the user is deleted). See lms.core.permanence."""

    document = models.ForeignKey(GuidelinePage, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    content_hash = models.CharField(_("content hash"), max_length=64)
    snapshot = models.JSONField(_("text as published"))
    change_summary = models.TextField(_("what changed"), blank=True)
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["document", "-number"]
        verbose_name = _("guideline version")
        verbose_name_plural = _("guideline versions")
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="unique_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.document.title} v{self.number}"


class GuidelineApproval(models.Model):
    """The approval that lets one revision of a document go live (see GuidelinePage.save
    and the database trigger in migration 0004)."""

    class Via(models.TextChoices):
        WORKFLOW = "workflow", _("approval workflow")
        SYSTEM = "system", _("initial text installed by the system")

    document = models.ForeignKey(
        GuidelinePage,
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        related_name="approvals",
    )
    revision = models.OneToOneField(
        "wagtailcore.Revision",
        verbose_name=_("page revision"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    via = models.CharField(_("approved through"), max_length=20, choices=Via.choices)
    workflow_state = models.ForeignKey(
        "wagtailcore.WorkflowState",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["document", "-approved_at"]
        verbose_name = _("guideline approval")
        verbose_name_plural = _("guideline approvals")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(via="workflow") | ~models.Q(note=""),
                name="system_approval_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} · {self.revision_id} ({self.via})"


class SignOffQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(_("Sign-offs are a permanent record and cannot be changed."))

    def delete(self):
        raise ValidationError(_("Sign-offs are a permanent record and cannot be deleted."))


class SignOff(models.Model):
    """Proof that a person accepted one version of a document. Never changed, never deleted.

    The database holds this, not only the methods below: it refuses UPDATE always, and
    DELETE and TRUNCATE without an erasure permit (lms.core.permanence)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("employee"),
        on_delete=models.PROTECT,
        related_name="guideline_signoffs",
    )
    document = models.ForeignKey(
        GuidelinePage, verbose_name=_("document"), on_delete=models.PROTECT, related_name="signoffs"
    )
    version = models.ForeignKey(
        GuidelineVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="signoffs",
    )
    revision_id = models.PositiveBigIntegerField(_("page revision"), null=True)
    content_hash = models.CharField(_("content hash"), max_length=64)
    # The database's clock, not the caller's: a trigger refuses any other time on insert
    # (migration 0005), so a sign-off cannot be back-dated.
    signed_at = models.DateTimeField(_("signed at"), db_default=Now(), editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded on behalf by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True, max_length=1000)

    objects = SignOffQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_at"]
        verbose_name = _("sign-off")
        verbose_name_plural = _("sign-offs")
        permissions = [
            ("view_signoff_reports", _("Can see sign-off reports for all departments")),
            ("record_signoff_on_behalf", _("Can record a paper sign-off on behalf of an employee")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="one_signoff_per_version"),
            models.CheckConstraint(
                condition=models.Q(recorded_by__isnull=True) | ~models.Q(note=""),
                name="on_behalf_signoff_has_note",
                violation_error_message=_("A sign-off recorded on behalf needs a note."),
            ),
        ]
        indexes = [models.Index(fields=["document", "user"], name="signoff_document_user")]

    def __str__(self) -> str:
        return f"{self.user} ✓ {self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("Sign-offs are a permanent record and cannot be changed."))
        # One transaction with the sign-off report's summary (lms.guidelines.tallies).
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Sign-offs are a permanent record and cannot be deleted."))

    @property
    def on_behalf(self) -> bool:
        return self.recorded_by_id is not None


class SignOffTally(models.Model):
    """How many active people of one department signed a document, by the newest version
    each of them signed: the sign-off report's counts, kept so that the report reads a
    few rows per department instead of every employee and sign-off of the company.

    ``department_key`` is the department's id, 0 for people without one (no foreign key:
    the rows follow the people, lms.guidelines.tallies moves them when a department is
    deleted). Maintained in the transaction of every write that changes it
    (lms.guidelines.tallies); `manage.py signoff_tallies` checks and repairs it."""

    document = models.ForeignKey(GuidelinePage, on_delete=models.CASCADE, related_name="+")
    department_key = models.PositiveIntegerField()
    number = models.PositiveIntegerField()  # the newest version number signed
    people = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("sign-off tally")
        verbose_name_plural = _("sign-off tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "department_key", "number"], name="one_tally_per_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} · {self.department_key} · v{self.number}: {self.people}"


class DepartmentHeadcount(models.Model):
    """Active people per department (``department_key`` 0: without one), for the sign-off
    report's "never signed": kept like SignOffTally."""

    department_key = models.PositiveIntegerField(unique=True)
    people = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("department headcount")
        verbose_name_plural = _("department headcounts")

    def __str__(self) -> str:
        return f"{self.department_key}: {self.people}"
