from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.pages.bulk_actions.publish import PublishBulkAction
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from lms.guidelines.models import (
    GuidelineApproval,
    GuidelinePage,
    GuidelinePublishRefused,
    GuidelineVersion,
    SignOff,
)


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Sign-offs are evidence: the admin may list and inspect them, never change them."""

    def user_has_permission(self, user, action):
        if action in {"add", "change", "delete"}:
            return False
        return super().user_has_permission(user, action)


register_permission_policy(SignOff, ReadOnlyPermissionPolicy(SignOff))


class SignOffViewSet(ModelViewSet):
    model = SignOff
    icon = "tick-inverse"
    menu_label = gettext_lazy("Sign-offs")
    menu_order = 240
    add_to_admin_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["user", "document", "version", "signed_at", "recorded_by"]
    list_filter = ["document"]
    search_fields = ["user__username", "user__last_name"]
    form_fields = ["note"]


hooks.register("register_admin_viewset", lambda: SignOffViewSet("signoffs"))


# Guideline changes reach employees only through the approval workflow. The model
# enforces it (GuidelinePage.publish and .save, and a database trigger); the editor does
# not offer the Publish button (GuidelinePermissionTester), and these hooks explain it.


@hooks.register("before_publish_page")
def require_guideline_approval(request, page):
    if isinstance(page.specific, GuidelinePage):
        messages.error(request, str(GuidelinePublishRefused()))
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None


def _explain_a_refused_publish(request, page):
    """A forged or stale “Publish” of a guideline saved a draft only: say so."""
    if request.POST.get("action-publish") and isinstance(page.specific, GuidelinePage):
        messages.error(request, str(GuidelinePublishRefused()))


hooks.register("after_edit_page", _explain_a_refused_publish)
hooks.register("after_create_page", _explain_a_refused_publish)


class GuidelineAwarePublishBulkAction(PublishBulkAction):
    """Wagtail's bulk publish, which leaves guideline documents out (nobody may publish
    them directly) and says how they are published instead."""

    template_name = "guidelines/admin/confirm_bulk_publish.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["guidelines_need_approval"] = any(
            entry["item"].specific_class is GuidelinePage
            for entry in context.get("items_with_no_access", [])
        )
        context["approval_message"] = str(GuidelinePublishRefused())
        return context


# Registered after Wagtail's own bulk publish, which it replaces (same action type).
hooks.register("register_bulk_action", GuidelineAwarePublishBulkAction, order=1)


@hooks.register("before_delete_page")
def keep_signed_documents(request, page):
    if isinstance(page.specific, GuidelinePage) and (
        GuidelineVersion.objects.filter(document_id=page.pk).exists()
        or GuidelineApproval.objects.filter(document_id=page.pk).exists()
    ):
        messages.error(
            request,
            _(
                "This document has published versions that employees accepted; it cannot be "
                "deleted. Unpublish it instead."
            ),
        )
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None


class ReportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("guidelines.view_signoff_reports")


@hooks.register("register_admin_menu_item")
def register_report_menu_item():
    return ReportMenuItem(
        gettext_lazy("Guideline reports"),
        reverse("guidelines:report"),
        icon_name="doc-full-inverse",
        order=245,
    )
