from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import Track
from lms.people.models import Department


class CatalogFilterForm(forms.Form):
    track = forms.ModelChoiceField(
        queryset=Track.objects.all(),
        to_field_name="slug",
        required=False,
        label=_("Track"),
        empty_label=_("All tracks"),
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(),
        to_field_name="slug",
        required=False,
        label=_("Department"),
        empty_label=_("All departments"),
    )

    def cleaned_filters(self) -> dict:
        """Valid filters only; an unknown value shows a form error and filters nothing out."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}
