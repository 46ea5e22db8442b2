from django import forms
from django.utils.translation import gettext_lazy as _

from lms.core.input_safety import MAX_ID
from lms.guidelines.models import GuidelinePage
from lms.people.models import Department, User


class SignForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    # Where to go afterwards; only a local address is followed (see views.sign).
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    accept = forms.BooleanField(
        label=_("I have read this document and accept it."),
        error_messages={"required": _("Tick the box to confirm that you accept the document.")},
    )


class OnBehalfForm(forms.Form):
    employee = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True, is_guest=False).order_by(
            "last_name", "username"
        ),
        label=_("Employee"),
    )
    document = forms.ModelChoiceField(
        queryset=GuidelinePage.objects.live().order_by("path"), label=_("Document")
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        label=_("Note"),
        help_text=_("How and when the employee accepted it, e.g. “paper form signed 12 May”."),
    )

    def clean_note(self):
        note = self.cleaned_data["note"].strip()
        if not note:
            raise forms.ValidationError(_("A note is required for a sign-off recorded on behalf."))
        return note


class ReportFilterForm(forms.Form):
    document = forms.ModelChoiceField(
        queryset=GuidelinePage.objects.live().order_by("path"),
        required=False,
        label=_("Document"),
        empty_label=None,
    )


class ExportFilterForm(forms.Form):
    """``?department=<slug>``: the export of one department instead of the whole scope."""

    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), to_field_name="slug", required=False
    )
