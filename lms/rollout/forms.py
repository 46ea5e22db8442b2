from django import forms
from django.utils.translation import gettext_lazy as _

from lms.rollout.models import MAX_NOTE_LENGTH


class AdvanceForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Note"),
        help_text=_("Required for an override: why the department moves on anyway."),
    )
    override = forms.BooleanField(required=False, label=_("Override unmet criteria (admins)"))


class TickForm(forms.Form):
    note = forms.CharField(required=False, max_length=MAX_NOTE_LENGTH)
    undo = forms.BooleanField(required=False)
