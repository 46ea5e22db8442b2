from django import forms
from django.utils.translation import gettext_lazy as _

from lms.people.models import User


class AnnounceForm(forms.Form):
    winner = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Winner"))

    def __init__(self, *args, leaders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["winner"].queryset = User.objects.filter(pk__in=[user.pk for user in leaders])
        if len(leaders) == 1:
            self.fields["winner"].initial = leaders[0].pk
