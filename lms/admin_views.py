"""Shared pieces of the project's own Wagtail admin pages (imports with a dry run)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin


class PermissionAdminView(WagtailAdminTemplateMixin, TemplateView):
    """An admin page for users with `permission_required` (one permission codename)."""

    permission_required: str = ""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm(self.permission_required):
            # Wagtail's admin turns this into its "no permission" redirect.
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]


class ApplyDryRunForm(forms.Form):
    """The file content of a successful dry run, posted again to apply it.

    Subclasses set `max_bytes` and `too_large()` (the message names their command).
    """

    max_bytes: int = 0

    content = forms.CharField(
        strip=False,
        widget=forms.Textarea(attrs={"hidden": True, "aria-hidden": "true"}),
    )

    def too_large(self) -> forms.ValidationError:
        raise NotImplementedError

    def clean_content(self):
        content = self.cleaned_data["content"]
        if len(content.encode()) > self.max_bytes:
            raise self.too_large()
        self.cleaned_data["text"] = content
        return content
