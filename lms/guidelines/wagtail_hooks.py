from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from lms.guidelines.models import GuidelinePage, GuidelineVersion, SignOff


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


@hooks.register("before_publish_page")
def require_guideline_approval(request, page):
    """Guideline changes reach employees only through the approval workflow."""
    if isinstance(page.specific, GuidelinePage):
        messages.error(
            request,
            _(
                "Guideline documents are published by approval: use “Submit for approval” "
                "so a guideline approver can review the change."
            ),
        )
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None


@hooks.register("before_delete_page")
def keep_signed_documents(request, page):
    if (
        isinstance(page.specific, GuidelinePage)
        and GuidelineVersion.objects.filter(document_id=page.pk).exists()
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
