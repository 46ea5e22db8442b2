"""Read-side queries for programmes: the path of a learner (or of many learners at once)
through a programme's items, with each item's state and the next step.

A programme reads what the apps below it know, through their selectors: a course is done
when its enrolment is completed (courses.selectors.course_standings), a workshop when the
person attended a session (lms.workshops.selectors.workshop_standings), a quiz when it is
passed (lms.quizzes.selectors.quiz_standings). Whatever the number of items or learners,
a path costs one query for the items and at most one per kind of item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy
from wagtail.models import Page

from courses.selectors import PAGE_LINK_FIELDS, course_standings
from lms.core import exports
from lms.people.models import User
from lms.programmes.models import (
    BootcampRun,
    ProgrammeIndexPage,
    ProgrammeItem,
    ProgrammePage,
    RunParticipant,
)
from lms.quizzes.selectors import quiz_standings
from lms.workshops.models import WorkshopSession
from lms.workshops.selectors import workshop_standings

if TYPE_CHECKING:
    from courses.models import CoursePage
    from lms.quizzes.models import Quiz
    from lms.workshops.models import WorkshopPage

# An item's state for a learner.
NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
DONE = "done"
LOCKED = "locked"

# Why an item is locked.
LOCKED_BY_PREVIOUS = "previous"  # the previous required item is not done yet
LOCKED_UNTIL_DATE = "date"  # a run's day that has not come yet
LOCKED_UNAVAILABLE = (
    "unavailable"  # the course or workshop is unpublished, the quiz a draft or archived
)

_ITEM_FIELDS = (
    "page",
    "sort_order",
    "required",
    "unlock",
    "unlock_after_days",
    "course",
    "workshop",
    "quiz",
    *(f"course__{name}" for name in PAGE_LINK_FIELDS),
    *(f"workshop__{name}" for name in PAGE_LINK_FIELDS),
    "quiz__title",
    "quiz__slug",
    "quiz__draft",
    "quiz__archived",
)


@dataclass(frozen=True)
class PathStep:
    """One item of a programme as one learner stands with it."""

    item: ProgrammeItem
    position: int
    kind: str  # "course", "workshop" or "quiz"
    target: CoursePage | WorkshopPage | Quiz
    state: str
    lock: str = ""  # why it is locked (LOCKED_BY_...), "" when it is not
    # The required item this one waits for (LOCKED_BY_PREVIOUS).
    waits_for: PathStep | None = None
    # The day it opens in the learner's run (LOCKED_UNTIL_DATE).
    opens_on: date | None = None

    @property
    def required(self) -> bool:
        return self.item.required

    @property
    def is_done(self) -> bool:
        return self.state == DONE

    @property
    def is_locked(self) -> bool:
        return self.state == LOCKED

    @property
    def run_day_without_run(self) -> bool:
        """The item opens on a day of a run, and the learner follows the programme
        without one: the rule does not apply."""
        return self.item.unlock == ProgrammeItem.Unlock.RUN_DAY and self.opens_on is None


@dataclass(frozen=True)
class LearnerPath:
    programme: ProgrammePage
    steps: list[PathStep]

    @property
    def required_steps(self) -> list[PathStep]:
        return [step for step in self.steps if step.required]

    @property
    def done_required(self) -> int:
        return sum(1 for step in self.required_steps if step.is_done)

    @property
    def percent(self) -> int:
        required = self.required_steps
        return round(100 * self.done_required / len(required)) if required else 0

    @property
    def is_complete(self) -> bool:
        """Every required item is done (a programme without items is not complete)."""
        required = self.required_steps
        return bool(required) and all(step.is_done for step in required)

    @property
    def next_step(self) -> PathStep | None:
        """The first required item that is neither done nor locked."""
        return next(
            (step for step in self.required_steps if not step.is_done and not step.is_locked),
            None,
        )


def live_programmes(*, index: ProgrammeIndexPage) -> QuerySet[ProgrammePage]:
    """The published programmes of the index page, by title."""
    return ProgrammePage.objects.live().child_of(index).order_by("title")


def programmes_using(*, page: Page) -> list[str]:
    """The titles of the other programmes that have this page, or a page below it, as an
    item (one query)."""
    return sorted(
        set(
            ProgrammeItem.objects.filter(
                Q(course__path__startswith=page.path) | Q(workshop__path__startswith=page.path)
            )
            .exclude(page__path__startswith=page.path)
            .values_list("page__title", flat=True)
        )
    )


def programme_items(*, programme: ProgrammePage) -> list[ProgrammeItem]:
    """The programme's items in their order with their courses, workshops and quizzes
    (title and link), in one query. A page built from a revision (a preview) gives the
    items of that revision."""
    if "items" in getattr(programme, "_cluster_related_objects", {}):
        return sorted(programme.items.all(), key=lambda item: item.sort_order or 0)
    return list(
        ProgrammeItem.objects.filter(page_id=programme.pk)
        .select_related("course", "workshop", "quiz")
        .only(*_ITEM_FIELDS)
        .order_by("sort_order", "pk")
    )


def _is_available(kind: str, target) -> bool:
    if kind == "quiz":
        return not target.draft and not target.archived
    return target.live


def _path(
    *,
    programme: ProgrammePage,
    items: list[ProgrammeItem],
    user_id: int | None,
    standings: dict[str, dict[tuple[int, int], object]],
    run_starts_on: date | None,
    today: date,
) -> LearnerPath:
    steps: list[PathStep] = []
    previous_required: PathStep | None = None
    for position, item in enumerate(items, start=1):
        kind = item.kind
        target = getattr(item, kind)
        key = (user_id, getattr(item, f"{kind}_id"))
        found = standings[kind]
        started = key in found
        value = found.get(key)
        done = value is not None if kind == "course" else bool(value)
        lock, waits_for, opens_on = "", None, None
        if item.unlock == ProgrammeItem.Unlock.RUN_DAY and run_starts_on is not None:
            opens_on = run_starts_on + timedelta(days=item.unlock_after_days or 0)
        if not done:
            if not _is_available(kind, target):
                lock = LOCKED_UNAVAILABLE
            elif (
                item.unlock == ProgrammeItem.Unlock.AFTER_PREVIOUS
                and previous_required is not None
                and not previous_required.is_done
            ):
                lock, waits_for = LOCKED_BY_PREVIOUS, previous_required
            elif opens_on is not None and today < opens_on:
                lock = LOCKED_UNTIL_DATE
        if done:
            state = DONE
        elif lock:
            state = LOCKED
        else:
            state = IN_PROGRESS if started else NOT_STARTED
        step = PathStep(
            item=item,
            position=position,
            kind=kind,
            target=target,
            state=state,
            lock=lock,
            waits_for=waits_for,
            opens_on=opens_on,
        )
        steps.append(step)
        if item.required:
            previous_required = step
    return LearnerPath(programme=programme, steps=steps)


def path_states(
    *,
    programme: ProgrammePage,
    user_ids: list[int],
    run_starts_on: date | None = None,
    items: list[ProgrammeItem] | None = None,
) -> dict[int, LearnerPath]:
    """Each learner's path through the programme, by learner id: one query for the items
    (none if `items` are given) and one per kind of item, whatever the numbers of learners
    and items. `run_starts_on`: the start of the learners' run, from which items open on
    "a day of the run"; without it that rule does not apply."""
    if items is None:
        items = programme_items(programme=programme)
    ids = {
        kind: sorted({getattr(item, f"{kind}_id") for item in items if item.kind == kind})
        for kind in ("course", "workshop", "quiz")
    }
    standings = {
        "course": course_standings(user_ids=user_ids, course_ids=ids["course"]),
        "workshop": workshop_standings(user_ids=user_ids, workshop_ids=ids["workshop"]),
        "quiz": quiz_standings(user_ids=user_ids, quiz_ids=ids["quiz"]),
    }
    today = timezone.localdate()
    return {
        user_id: _path(
            programme=programme,
            items=items,
            user_id=user_id,
            standings=standings,
            run_starts_on=run_starts_on,
            today=today,
        )
        for user_id in user_ids
    }


def learner_path(
    *, programme: ProgrammePage, user: User, run_starts_on: date | None = None
) -> LearnerPath:
    """The learner's path through the programme (see path_states); four queries at most."""
    if not user.is_authenticated:
        items = programme_items(programme=programme)
        empty: dict[str, dict] = {"course": {}, "workshop": {}, "quiz": {}}
        return _path(
            programme=programme,
            items=items,
            user_id=None,
            standings=empty,
            run_starts_on=run_starts_on,
            today=timezone.localdate(),
        )
    return path_states(programme=programme, user_ids=[user.pk], run_starts_on=run_starts_on)[
        user.pk
    ]


# --- bootcamp runs ------------------------------------------------------------------------------


def due_on(*, item: ProgrammeItem, run: BootcampRun) -> date | None:
    """The item's due date in the run (its start + `due_after_days`), or None."""
    if item.due_after_days is None:
        return None
    return run.starts_on + timedelta(days=item.due_after_days)


def run_with_programme(*, run_id: int) -> BootcampRun | None:
    """The run with its programme page, or None (one query)."""
    return BootcampRun.objects.select_related("programme").filter(pk=run_id).first()


def is_run_trainer(*, run: BootcampRun, user: User) -> bool:
    return user.is_authenticated and not user.is_guest and run.trainers.filter(pk=user.pk).exists()


def is_participant(*, run: BootcampRun, user: User) -> bool:
    return user.is_authenticated and RunParticipant.objects.filter(run=run, user=user).exists()


def run_trainers(*, run: BootcampRun) -> list[User]:
    return list(
        run.trainers.order_by("last_name", "first_name", "username").only(
            "username", "first_name", "last_name", "email"
        )
    )


def runs_of_participant(*, user: User) -> QuerySet[BootcampRun]:
    """The runs the person takes part in, the latest start first, with their trainers."""
    return (
        BootcampRun.objects.filter(participants__user=user)
        .select_related("programme")
        .prefetch_related("trainers")
        .order_by("-starts_on", "title")
    )


def run_sessions(*, run: BootcampRun) -> list[WorkshopSession]:
    """The run's live sessions in time order, with their workshops (one query)."""
    return list(run.sessions.select_related("workshop").order_by("starts_at", "pk"))


@dataclass(frozen=True)
class RunStep:
    step: PathStep
    due_on: date | None
    overdue: bool


def run_path(*, run: BootcampRun, user: User) -> tuple[LearnerPath, list[RunStep]]:
    """The person's path through the run's programme, counted from the run's start, with
    each item's due date."""
    path = learner_path(programme=run.programme, user=user, run_starts_on=run.starts_on)
    today = timezone.localdate()
    steps = []
    for step in path.steps:
        due = due_on(item=step.item, run=run)
        steps.append(
            RunStep(
                step=step, due_on=due, overdue=due is not None and due < today and not step.is_done
            )
        )
    return path, steps


@dataclass(frozen=True)
class ProgressRow:
    participant: User
    path: LearnerPath


@dataclass(frozen=True)
class RunProgress:
    run: BootcampRun
    items: list[ProgrammeItem]
    due_dates: list[date | None]
    rows: list[ProgressRow]


def run_progress(*, run: BootcampRun) -> RunProgress:
    """Participants × items: each participant's path, counted from the run's start. A
    fixed number of queries whatever the number of participants (one for them, one for the
    items, one per kind of item)."""
    participants = list(
        User.objects.filter(run_participations__run=run)
        .select_related("department", "customer_organisation")
        .order_by("last_name", "first_name", "username")
    )
    items = programme_items(programme=run.programme)
    paths = path_states(
        programme=run.programme,
        user_ids=[person.pk for person in participants],
        run_starts_on=run.starts_on,
        items=items,
    )
    return RunProgress(
        run=run,
        items=items,
        due_dates=[due_on(item=item, run=run) for item in items],
        rows=[ProgressRow(participant=person, path=paths[person.pk]) for person in participants],
    )


STATE_LABELS = {
    NOT_STARTED: gettext_lazy("Not started"),
    IN_PROGRESS: gettext_lazy("In progress"),
    DONE: gettext_lazy("Done"),
    LOCKED: gettext_lazy("Locked"),
}

RUN_PROGRESS_EXPORT = exports.ExportSpec(
    columns=(
        exports.Column(gettext_lazy("Username")),
        exports.Column(gettext_lazy("Name"), width=28),
        exports.Column(gettext_lazy("Department or company"), width=24),
        exports.Column(gettext_lazy("Item"), width=36),
        exports.Column(
            gettext_lazy("Kind"),
            exports.LABEL,
            labels={
                "course": gettext_lazy("Course"),
                "workshop": gettext_lazy("Workshop"),
                "quiz": gettext_lazy("Quiz"),
            },
            width=12,
        ),
        exports.Column(gettext_lazy("Required"), exports.YES_NO, width=10),
        exports.Column(gettext_lazy("Due date"), exports.DATE, width=12),
        exports.Column(gettext_lazy("State"), exports.LABEL, labels=STATE_LABELS, width=14),
    )
)


def run_progress_rows(*, progress: RunProgress):
    """The rows of RUN_PROGRESS_EXPORT: one per participant and item."""
    for row in progress.rows:
        person = row.participant
        if person.is_guest:
            where = person.customer_organisation.name if person.customer_organisation else ""
        else:
            where = person.department.name if person.department else ""
        base = [person.username, person.get_full_name(), where]
        for step, due in zip(row.path.steps, progress.due_dates, strict=True):
            yield [*base, str(step.target), step.kind, step.required, due, step.state]
