from django import forms
from django.utils.translation import gettext_lazy as _

from lms.notifications.models import Kind


class EmailChoicesForm(forms.Form):
    """One checkbox per kind: send me an e-mail about it."""

    def __init__(self, *args, initial_choices: dict[str, bool], kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        shown = set(Kind.values if kinds is None else kinds)
        for kind, label in Kind.choices:
            if kind in shown:
                self.fields[kind] = forms.BooleanField(
                    label=label, required=False, initial=initial_choices.get(kind, True)
                )

    def choices(self) -> dict[str, bool]:
        return {kind: bool(self.cleaned_data.get(kind)) for kind in self.fields}

    title = _("E-mail notifications")
