from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm

from lms.people.models import Department, User


class OrganisationFieldsMixin(forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), required=False, label=_("Department")
    )
    manager = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
        label=_("Manager"),
    )

    def clean_manager(self):
        manager = self.cleaned_data.get("manager")
        if manager and self.instance.pk and manager.pk == self.instance.pk:
            raise forms.ValidationError(_("A person cannot be their own manager."))
        return manager


class LmsUserCreationForm(OrganisationFieldsMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = UserCreationForm.Meta.fields | {"department", "manager"}


class LmsUserEditForm(OrganisationFieldsMixin, UserEditForm):
    class Meta(UserEditForm.Meta):
        fields = UserEditForm.Meta.fields | {"department", "manager"}
