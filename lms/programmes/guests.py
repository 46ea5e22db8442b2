"""What a guest's start page lists from this app: the runs they take part in."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import formats
from django.utils.translation import gettext as _

from lms.people.guest_access import Contact, StartEntry
from lms.programmes import selectors


def start_entries(request: HttpRequest) -> list[StartEntry]:
    user = request.user
    if not user.is_authenticated:
        return []
    entries = []
    for run in selectors.runs_of_participant(user=user):
        trainers = sorted(run.trainers.all(), key=lambda t: (t.last_name, t.first_name, t.username))
        entries.append(
            StartEntry(
                title=run.title,
                url=run.get_absolute_url(),
                detail=_("%(starts)s to %(ends)s")
                % {
                    "starts": formats.date_format(run.starts_on, "SHORT_DATE_FORMAT"),
                    "ends": formats.date_format(run.ends_on, "SHORT_DATE_FORMAT"),
                },
                contacts=tuple(
                    Contact(name=t.get_full_name() or t.username, email=t.email) for t in trainers
                ),
            )
        )
    return entries
