from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import CoursePage
from lms.core.input_safety import whole_number
from lms.people.models import Department, User
from lms.workshops.models import WorkshopPage


def item_choices():
    # Ids and titles only: a course or workshop page as a model instance (the page and
    # its own table, every field) cost more than the team view's filter form was worth.
    courses = [
        (f"course:{pk}", title)
        for pk, title in CoursePage.objects.live().order_by("title").values_list("pk", "title")
    ]
    workshops = [
        (f"workshop:{pk}", title)
        for pk, title in WorkshopPage.objects.live().order_by("title").values_list("pk", "title")
    ]
    return [
        ("", _("Choose a course or workshop")),
        (_("Courses"), courses),
        (_("Workshops"), workshops),
    ]


def resolve_item(value: str):
    kind, _sep, pk = value.partition(":")
    model = {"course": CoursePage, "workshop": WorkshopPage}.get(kind)
    page_id = whole_number(pk)
    if model is None or page_id is None:
        return None
    return model.objects.live().filter(pk=page_id).first()


class AssignForm(forms.Form):
    # A CharField with a select widget, so an unknown value gets our own message.
    item = forms.CharField(label=_("Course or workshop"), widget=forms.Select)
    assignees = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("People"),
    )
    whole_team = forms.BooleanField(required=False, label=_("Everyone in my team"))
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(),
        required=False,
        label=_("Everyone in a department"),
        empty_label=_("—"),
    )
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), label=_("Note")
    )

    def __init__(self, *args, people, allow_departments: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].widget.choices = item_choices()
        # Any active person is accepted here; the service refuses (403) anyone outside
        # the team, so a forged selection is an error, not silently dropped.
        self.fields["assignees"].queryset = User.objects.filter(is_active=True)
        self.people = people
        if not allow_departments:
            del self.fields["department"]

    def clean_item(self):
        item = resolve_item(self.cleaned_data["item"])
        if item is None:
            raise forms.ValidationError(_("Choose a published course or workshop."))
        return item

    def clean_due_date(self):
        due_date = self.cleaned_data["due_date"]
        if due_date < timezone.localdate():
            raise forms.ValidationError(_("The due date is in the past."))
        return due_date

    def clean(self):
        cleaned = super().clean()
        chosen = list(cleaned.get("assignees") or [])
        if cleaned.get("whole_team"):
            chosen += list(self.people)
        department = cleaned.get("department")
        if department:
            chosen += list(User.objects.filter(is_active=True, department=department))
        unique = {person.pk: person for person in chosen}
        if not unique and not self.errors:
            raise forms.ValidationError(
                _("Choose at least one person, your whole team or a department.")
            )
        cleaned["people"] = list(unique.values())
        return cleaned


class TeamFilterForm(forms.Form):
    item = forms.ChoiceField(required=False, label=_("Course or workshop"))
    overdue = forms.BooleanField(required=False, label=_("Overdue only"))
    unsigned = forms.BooleanField(required=False, label=_("Guidelines not accepted"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = item_choices()
        choices[0] = ("", _("All"))
        self.fields["item"].choices = choices
