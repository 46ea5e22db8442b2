from django import forms
from django.utils.translation import gettext_lazy as _

from lms.people.models import User
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


class AnnounceForm(forms.Form):
    winner = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Winner"))

    def __init__(self, *args, leaders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["winner"].queryset = User.objects.filter(pk__in=[user.pk for user in leaders])
        if len(leaders) == 1:
            self.fields["winner"].initial = leaders[0].pk
