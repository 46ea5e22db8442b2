"""Versioned policy documents (guidelines, crisis plan, approval matrix) and their sign-offs."""

from __future__ import annotations

import hashlib
import json

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from lms.guidelines.blocks import GuidelineContentBlock
from lms.pages import SectionIndexPage, SingleQueryViewRestrictionsMixin


class GuidelineIndexPage(SectionIndexPage):
    subpage_types = ["guidelines.GuidelinePage"]

    class Meta:
        verbose_name = _("guideline index")

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
        return cleaned


class GuidelinePage(SingleQueryViewRestrictionsMixin, Page):
    KINDS = [
        ("guidelines", _("Social media guidelines")),
        ("crisis_plan", _("Crisis plan")),
        ("approval_matrix", _("Approval matrix")),
        ("other", _("Other policy")),
    ]

    kind = models.CharField(_("kind"), max_length=30, choices=KINDS, default="guidelines")
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
        on_delete=models.SET_NULL,
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

    def content_hash(self) -> str:
        """A fingerprint of the text employees accept: title and body, canonical JSON."""
        payload = json.dumps(
            {"title": self.title, "body": self.body.get_prep_value()},
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from lms.guidelines import selectors
        from lms.quizzes.selectors import quiz_states

        context = super().get_context(request, *args, **kwargs)
        context["status"] = selectors.document_status(document=self, user=request.user)
        if self.quiz_id and not self.quiz.draft:
            context["quiz_state"] = quiz_states(user=request.user, quizzes=[self.quiz])[
                self.quiz_id
            ]
        return context


class GuidelineVersion(models.Model):
    """A version employees accept; a new one starts with each material change.

    Permanent like the sign-offs that point to it: the database refuses to change its
    content (document, number, hash, snapshot, change summary, publication time) or to
    delete it; `revision` and `published_by` may only be cleared (SET NULL when the
    Wagtail revision or the user is deleted). See lms.permanence."""

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


class SignOffQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(_("Sign-offs are a permanent record and cannot be changed."))

    def delete(self):
        raise ValidationError(_("Sign-offs are a permanent record and cannot be deleted."))


class SignOff(models.Model):
    """Proof that a person accepted one version of a document. Never changed, never deleted.

    The database holds this, not only the methods below: it refuses UPDATE always, and
    DELETE and TRUNCATE without an erasure permit (lms.permanence)."""

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
    # (migration 0003), so a sign-off cannot be back-dated.
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
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Sign-offs are a permanent record and cannot be deleted."))

    @property
    def on_behalf(self) -> bool:
        return self.recorded_by_id is not None
