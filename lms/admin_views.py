"""Shared pieces of the project's own Wagtail admin pages (imports with a dry run).

``PermissionAdminView`` lives in lms.core.admin_views; the KPI import still uses
``ApplyDryRunForm`` until it moves to ``lms.core.admin_views.TabularImportView``.
"""

from __future__ import annotations

from django import forms

from lms.core.admin_views import PermissionAdminView

__all__ = ["ApplyDryRunForm", "PermissionAdminView"]


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
