from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from lms.core.input_safety import whole_number
from lms.workshops import services
from lms.workshops.models import WorkshopSession
from lms.workshops.selectors import (
    SESSION_HAS_BOOKINGS_TO_MOVE,
    booked_seats,
    too_few_seats_message,
)


class IdListField(forms.Field):
    """Several database ids under one name (checkboxes); any other value is an error."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> set[int]:
        ids = [whole_number(item) for item in value or []]
        if None in ids:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return set(ids)


class AttendanceForm(forms.Form):
    attended = IdListField(
        required=False, error_messages={"invalid": _("Attendance names an unknown booking.")}
    )


class WorkshopSessionForm(WagtailAdminModelForm):
    """The trainer's session form: seats cannot drop below the seats already booked."""

    online_url = forms.URLField(
        label=_("online link"), max_length=200, required=False, assume_scheme="https"
    )

    class Meta:
        model = WorkshopSession
        fields = ["workshop", "starts_at", "ends_at", "location", "online_url", "capacity"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        stored = WorkshopSession.objects.get(pk=self.instance.pk)
        workshop = cleaned.get("workshop")
        moved = workshop is not None and workshop.pk != stored.workshop_id
        if moved and stored.bookings.exists():
            self.add_error("workshop", SESSION_HAS_BOOKINGS_TO_MOVE)
        capacity = cleaned.get("capacity")
        if capacity is not None:
            booked = booked_seats(session=stored)
            if capacity < booked:
                self.add_error("capacity", too_few_seats_message(booked=booked))
        return cleaned

    def save(self, commit=True):
        session = super().save(commit=False)
        if commit:
            # Locks the workshop, checks the seats again and moves waiting people up.
            services.save_session(session=session)
        return session
