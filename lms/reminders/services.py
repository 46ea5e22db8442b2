"""Reminder emails about assignments.

Three kinds sent by the scheduled run, each at most once:

* ``due_soon``: to the assignee, from REMINDER_DAYS_BEFORE_DUE days before the due date;
* ``overdue``: to the assignee, once the due date has passed;
* ``digest``: to every manager whose team (direct and indirect reports) has overdue
  items, once per ISO week, listing them.

A fourth, ``manager``, is sent when a manager presses "remind" on the team view, at most
once a day per assignment (``remind``).

Candidates are selected in SQL (a fixed number of queries per run). Each email is
claimed first by writing its ReminderLog row: the unique constraints make a second
claim fail, so two overlapping runs never send the same reminder twice. If sending
fails the claim is removed again, and the next run retries it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lms.assignments.models import Assignment
from lms.assignments.selectors import with_state
from lms.assignments.services import assignable_people
from lms.notifications.selectors import wants_email
from lms.notifications.services import notify
from lms.people.models import User
from lms.reminders.models import ReminderLog

logger = logging.getLogger(__name__)

Kind = ReminderLog.Kind
# The kinds the scheduled run sends; a manager's reminder is sent from the team view.
KINDS: tuple[str, ...] = (Kind.DUE_SOON, Kind.OVERDUE, Kind.DIGEST)

# Every (member, manager above them) pair for the given members, however deep the
# chain. UNION (not UNION ALL) drops rows already seen, so a reporting loop ends.
CHAIN_SQL = """
    WITH RECURSIVE chain(member_id, manager_id) AS (
        SELECT id, manager_id FROM {users} WHERE manager_id IS NOT NULL AND id IN ({members})
        UNION
        SELECT chain.member_id, boss.manager_id
        FROM chain JOIN {users} AS boss ON boss.id = chain.manager_id
        WHERE boss.manager_id IS NOT NULL
    )
    SELECT member_id, manager_id FROM chain WHERE member_id <> manager_id
"""


@dataclass
class KindCounts:
    sent: int = 0
    # No email address, or another run sent this reminder first.
    skipped: int = 0
    # Rendering or sending failed; the reminder is retried on the next run.
    errors: int = 0


@dataclass
class ReminderSummary:
    today: date
    counts: dict[str, KindCounts] = field(
        default_factory=lambda: {kind: KindCounts() for kind in KINDS}
    )

    @property
    def sent(self) -> int:
        return sum(counts.sent for counts in self.counts.values())

    @property
    def skipped(self) -> int:
        return sum(counts.skipped for counts in self.counts.values())

    @property
    def errors(self) -> int:
        return sum(counts.errors for counts in self.counts.values())

    def lines(self) -> list[str]:
        return [
            f"{kind}: {counts.sent} sent, {counts.skipped} skipped, {counts.errors} errors"
            for kind, counts in self.counts.items()
        ]

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, for task results."""
        return {
            "today": self.today.isoformat(),
            "counts": {kind: asdict(counts) for kind, counts in self.counts.items()},
        }


def iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def absolute_url(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def send_due_reminders(*, today: date | None = None) -> ReminderSummary:
    """Send every reminder that is due today and not sent yet."""
    today = today or timezone.localdate()
    days = settings.REMINDER_DAYS_BEFORE_DUE
    summary = ReminderSummary(today=today)
    sender = _Sender(summary=summary, today=today)
    with sender:
        due_soon = _open_assignments().filter(
            due_date__gte=today, due_date__lte=today + timedelta(days=days)
        )
        for assignment in due_soon.filter(_not_logged(Kind.DUE_SOON)):
            sender.about_assignment(kind=Kind.DUE_SOON, assignment=assignment)

        overdue = _open_assignments().filter(due_date__lt=today)
        for assignment in overdue.filter(_not_logged(Kind.OVERDUE)):
            sender.about_assignment(kind=Kind.OVERDUE, assignment=assignment)

        period = iso_week(today)
        for manager, items in _digests(overdue=overdue, period=period):
            sender.digest(manager=manager, items=items, period=period)
    return summary


def _open_assignments() -> QuerySet[Assignment]:
    """Assignments not completed yet, of published items, for active people."""
    return (
        with_state(Assignment.objects.filter(assignee__is_active=True))
        .filter(~Q(course_done=True), ~Q(workshop_done=True))
        .filter(Q(course__live=True) | Q(workshop__live=True))
        .select_related("assigned_by")
        .order_by("due_date", "pk")
    )


def _not_logged(kind: str) -> Exists:
    sent = ReminderLog.objects.filter(
        kind=kind, recipient=OuterRef("assignee"), assignment=OuterRef("pk"), period=""
    )
    return ~Exists(sent)


def _digests(*, overdue: QuerySet[Assignment], period: str) -> list[tuple[User, list[Assignment]]]:
    """Managers without this week's digest yet, each with their team's overdue items."""
    items = list(overdue.order_by("due_date", "assignee__last_name", "assignee__username", "pk"))
    if not items:
        return []
    members_sql, params = overdue.order_by().values("assignee_id").query.sql_with_params()
    sql = CHAIN_SQL.format(
        users=connection.ops.quote_name(User._meta.db_table), members=members_sql
    )
    team: defaultdict[int, set[int]] = defaultdict(set)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for member_id, manager_id in cursor.fetchall():
            team[manager_id].add(member_id)
    if not team:
        return []
    already_sent = ReminderLog.objects.filter(
        kind=Kind.DIGEST, recipient=OuterRef("pk"), assignment__isnull=True, period=period
    )
    managers = (
        User.objects.filter(pk__in=team, is_active=True)
        .exclude(Exists(already_sent))
        .order_by("pk")
    )
    return [
        (manager, [item for item in items if item.assignee_id in team[manager.pk]])
        for manager in managers
    ]


class _Sender:
    """Claims, renders and sends reminders over one mail connection, counting outcomes."""

    def __init__(self, *, summary: ReminderSummary, today: date) -> None:
        self.summary = summary
        self.today = today
        self.connection = mail.get_connection()
        self.dashboard_url = absolute_url("/")

    def __enter__(self) -> _Sender:
        try:
            self.connection.open()
        except Exception:
            # Each send tries to connect again, and counts an error if it cannot.
            logger.exception("Could not open the mail connection")
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.connection.close()
        except Exception:
            logger.exception("Could not close the mail connection")

    def about_assignment(self, *, kind: str, assignment: Assignment) -> None:
        item = assignment.item
        context = {
            "recipient": assignment.assignee,
            "assignment": assignment,
            "item": item,
            "item_url": _item_url(item) or self.dashboard_url,
            "days_left": (assignment.due_date - self.today).days,
            "days_overdue": (self.today - assignment.due_date).days,
            "dashboard_url": self.dashboard_url,
        }
        self._deliver(
            kind=kind, recipient=assignment.assignee, assignment=assignment, context=context
        )

    def digest(self, *, manager: User, items: list[Assignment], period: str) -> None:
        rows = [
            {
                "member": assignment.assignee,
                "item": assignment.item,
                "item_url": _item_url(assignment.item) or self.dashboard_url,
                "due_date": assignment.due_date,
                "days_overdue": (self.today - assignment.due_date).days,
            }
            for assignment in items
        ]
        context = {
            "recipient": manager,
            "rows": rows,
            "count": len(rows),
            "period": period,
            "team_url": absolute_url(reverse("assignments:team") + "?overdue=on"),
            "dashboard_url": self.dashboard_url,
        }
        self._deliver(kind=Kind.DIGEST, recipient=manager, period=period, context=context)

    def _deliver(
        self,
        *,
        kind: str,
        recipient: User,
        context: dict[str, Any],
        assignment: Assignment | None = None,
        period: str = "",
    ) -> None:
        counts = self.summary.counts[kind]
        # Reminders about an assignment also appear in the person's notification list;
        # their e-mail follows the person's choice for the kind (lms.notifications).
        emailed = bool(recipient.email) and (
            assignment is None or wants_email(user=recipient, kind=kind)
        )
        if not emailed:
            # No claim: an address added (or the e-mail turned on) later still gets it.
            if assignment is not None:
                _notify(kind=kind, assignment=assignment, context=context)
            counts.skipped += 1
            return
        try:
            message = _render(kind=kind, recipient=recipient, context=context)
        except Exception:
            logger.exception("Could not render the %s reminder for user %s", kind, recipient.pk)
            counts.errors += 1
            return
        log = _claim(kind=kind, recipient=recipient, assignment=assignment, period=period)
        if log is None:
            counts.skipped += 1
            return
        if assignment is not None:
            _notify(kind=kind, assignment=assignment, context=context)
        try:
            message.connection = self.connection
            message.send()
        except Exception:
            logger.exception("Could not send the %s reminder to user %s", kind, recipient.pk)
            # Give the claim back so the next run tries again.
            ReminderLog.objects.filter(pk=log.pk).delete()
            counts.errors += 1
        else:
            counts.sent += 1


def _notify(*, kind: str, assignment: Assignment, context: dict[str, Any]) -> None:
    """The in-app notification; the reminder e-mail is this module's own (not sent twice)."""
    item = context["item"]
    notify(
        kind=kind,
        recipient=assignment.assignee,
        key=str(assignment.pk),
        params={"title": item.title, "due": assignment.due_date.isoformat()},
        url=item.url or "",
        email=False,
    )


def _claim(
    *, kind: str, recipient: User, assignment: Assignment | None, period: str
) -> ReminderLog | None:
    """Record the reminder before sending it; None if another run already did."""
    try:
        with transaction.atomic():
            return ReminderLog.objects.create(
                kind=kind, recipient=recipient, assignment=assignment, period=period
            )
    except IntegrityError:
        return None


def _render(*, kind: str, recipient: User, context: dict[str, Any]) -> mail.EmailMultiAlternatives:
    """The email in the recipient's language: a plain text body with an HTML alternative."""
    prefix = f"reminders/email/{kind}"
    with translation.override(recipient.language):
        subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
        context = {**context, "subject": subject}
        text = render_to_string(f"{prefix}.txt", context)
        html = render_to_string(f"{prefix}.html", context)
    message = mail.EmailMultiAlternatives(subject=subject, body=text, to=[recipient.email])
    message.attach_alternative(html, "text/html")
    return message


def _item_url(item: Any) -> str | None:
    url = item.url
    return absolute_url(url) if url else None


class RemindRefused(Exception):
    """A manager's reminder that is not sent; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def remind(*, sender: User, assignment: Assignment, today: date | None = None) -> ReminderLog:
    """A manager's reminder about one open assignment, to the assignee, in their language.

    The ReminderLog row (kind ``manager``, period = the day) is written first: its unique
    constraint lets only one of two simultaneous presses through, whoever presses. It says
    who reminded whom and when. If sending fails, the row is removed so it can be retried.
    Only for the people the sender's team view shows: their team at every depth, or
    everyone for admins (PermissionDenied otherwise).
    """
    if not assignable_people(manager=sender).filter(pk=assignment.assignee_id).exists():
        raise PermissionDenied(_("You can only remind people in your team."))
    today = today or timezone.localdate()
    assignment = (
        with_state(Assignment.objects.filter(pk=assignment.pk))
        .select_related("assignee", "assigned_by", "course", "workshop")
        .get()
    )
    recipient = assignment.assignee
    if assignment.course_done or assignment.workshop_done:
        raise RemindRefused(_("This assignment is already completed."), status=409)
    item = assignment.item
    if not item.live:
        raise RemindRefused(
            _("“%(item)s” is not published, so no reminder can be sent.") % {"item": item.title},
            status=409,
        )
    if not recipient.email:
        raise RemindRefused(
            _("%(name)s has no e-mail address, so no reminder can be sent.") % {"name": recipient},
            status=409,
        )
    dashboard_url = absolute_url("/")
    context = {
        "recipient": recipient,
        "sender": sender,
        "assignment": assignment,
        "item": item,
        "item_url": _item_url(item) or dashboard_url,
        "days_left": (assignment.due_date - today).days,
        "days_overdue": (today - assignment.due_date).days,
        "dashboard_url": dashboard_url,
    }
    message = _render(kind=Kind.MANAGER, recipient=recipient, context=context)
    try:
        with transaction.atomic():
            log = ReminderLog.objects.create(
                kind=Kind.MANAGER,
                recipient=recipient,
                assignment=assignment,
                period=today.isoformat(),
                sent_by=sender,
            )
    except IntegrityError:
        raise RemindRefused(
            _("%(name)s was already reminded about “%(item)s” today. Try again tomorrow.")
            % {"name": recipient, "item": item.title},
            status=429,
        ) from None
    try:
        deliver_reminder(recipient=recipient, message=message, log=log)
    except Exception:
        logger.exception("Could not send the manager reminder %s", log.pk)
        ReminderLog.objects.filter(pk=log.pk).delete()
        raise RemindRefused(
            _("The reminder could not be sent. Please try again later."), status=503
        ) from None
    logger.info(
        "User %s reminded user %s about assignment %s", sender.pk, recipient.pk, assignment.pk
    )
    return log


def deliver_reminder(
    *, recipient: User, message: mail.EmailMultiAlternatives, log: ReminderLog
) -> None:
    """Where a manager's reminder reaches the person: today the e-mail. The one place to
    add another channel (an in-app notification) for the same log entry."""
    message.send()
