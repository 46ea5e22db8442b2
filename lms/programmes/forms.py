from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.forms import WagtailAdminModelForm

from lms.people.models import Department, User
from lms.programmes.models import BootcampRun, ProgrammeItem, RunParticipant
from lms.workshops.models import WorkshopSession

NOTHING_CHOSEN = _("Choose a person or a department to add.")
BOTH_CHOSEN = _("Add a person or a department, not both at once.")


class BootcampRunForm(WagtailAdminModelForm):
    """A run's dates, language, capacity and trainers (employees only)."""

    class Meta:
        model = BootcampRun
        fields = [
            "programme",
            "title",
            "starts_on",
            "ends_on",
            "language",
            "capacity",
            "trainers",
            "sessions",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainers"].queryset = User.objects.filter(
            is_active=True, is_guest=False
        ).order_by("last_name", "first_name", "username")
        # Sessions still to be held, and those the run has already (even if cancelled since).
        kept = Q(pk__in=self.instance.sessions.values("pk")) if self.instance.pk else Q()
        self.fields["sessions"].queryset = (
            WorkshopSession.objects.filter(Q(cancelled_at__isnull=True) | kept)
            .select_related("workshop")
            .order_by("starts_at", "pk")
        )

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("A run cannot end before it starts."))
        programme, sessions = cleaned.get("programme"), cleaned.get("sessions")
        if programme is not None and sessions:
            workshop_ids = set(
                ProgrammeItem.objects.filter(page=programme, workshop__isnull=False).values_list(
                    "workshop_id", flat=True
                )
            )
            strangers = [session for session in sessions if session.workshop_id not in workshop_ids]
            if strangers:
                self.add_error(
                    "sessions",
                    _(
                        "Only sessions of the programme’s workshops belong to a run: %(sessions)s "
                        "is not one."
                    )
                    % {"sessions": ", ".join(str(session) for session in strangers)},
                )
        capacity = cleaned.get("capacity")
        if capacity is not None and self.instance.pk:
            taken = RunParticipant.objects.filter(run=self.instance).count()
            if capacity < taken:
                self.add_error(
                    "capacity",
                    ngettext(
                        "The run has %(count)d participant already; the capacity cannot be lower.",
                        "The run has %(count)d participants already; the capacity cannot be lower.",
                        taken,
                    )
                    % {"count": taken},
                )
        return cleaned


class AddParticipantsForm(forms.Form):
    """One person (an active employee or guest), or every active employee of a department."""

    person = forms.ModelChoiceField(
        label=_("Person"),
        queryset=User.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose an active person from the list.")},
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.order_by("name"),
        required=False,
        help_text=_("Adds every active employee of the department (never a guest)."),
        error_messages={"invalid_choice": _("Choose a department from the list.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = User.objects.filter(is_active=True).order_by(
            "last_name", "first_name", "username"
        )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        person, department = cleaned.get("person"), cleaned.get("department")
        if person is None and department is None:
            raise forms.ValidationError(NOTHING_CHOSEN)
        if person is not None and department is not None:
            raise forms.ValidationError(BOTH_CHOSEN)
        return cleaned
