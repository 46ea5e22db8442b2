"""The board's evidence as counts per department, kept right by every write.

The board (selectors.board) reads EvidenceTally only: a few rows per department and
criterion, whatever the headcount. Each person's share of those counts is kept in
PersonEvidence. A write that concerns people (an enrolment, a completion, a booking or
attendance, an assignment, a sign-off, a moved or deactivated user, a delete) calls
`refresh(user_ids)` in its own transaction (signals.py): the people's facts are read
again with a fixed number of indexed queries, compared with their stored row, and the
tallies change by the difference (`value = value + n`, so concurrent writes add up).

`recount()` counts everything again from the raw tables: the data migration, the bench's
generation and `manage.py rollout_recount` use it, and the tests compare it with the
tallies after every kind of write.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery

from courses.models import Enrollment
from lms.assignments.models import Assignment
from lms.guidelines.models import GuidelinePage, GuidelineVersion, SignOff
from lms.people import roles
from lms.people.models import Department, User
from lms.rollout.models import EvidenceSetting, EvidenceTally, PersonEvidence
from lms.workshops.models import Booking

# Tally keys.
MEMBERS = "members"  # active people of the department
MANAGERS = "managers"  # of them, managers (by group, or with reports)
MANAGER_DONE = "manager_done"  # managers who completed a course or workshop of `track`
ENROLLED = "enrolled"  # enrolled in any course
ASSIGNED = "assigned"  # with at least one assigned course
ASSIGNED_DONE = "assigned_done"  # of them, with every assigned course completed
SIGNED = "signed"  # accepted the current version of every live guidelines document
SESSION = "session"  # attendees (any, active or not) of session `ref` of `track`

VERSIONS_SETTING = "guideline-versions"
FIELDS = [
    "department_id",
    "manager_id",
    "active",
    "is_manager",
    "enrolled",
    "assigned",
    "assigned_done",
    "signed",
    "tracks",
    "sessions",
]
CHUNK = 500

TallyKey = tuple[int, str, int, int]  # (department id, key, track, ref)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def current_versions() -> list[int]:
    """The current version of every live guidelines document (what "signed" means)."""
    latest = (
        GuidelineVersion.objects.filter(document=OuterRef("pk")).order_by("-number").values("pk")
    )
    return sorted(
        version
        for version in GuidelinePage.objects.live()
        .filter(kind="guidelines")
        .annotate(current=Subquery(latest[:1]))
        .values_list("current", flat=True)
        if version
    )


def _scoped(queryset, field: str, ids: list[int] | None):
    return queryset if ids is None else queryset.filter(**{f"{field}__in": ids})


def facts(user_ids: Iterable[int] | None, *, versions: list[int]) -> dict[int, PersonEvidence]:
    """Unsaved PersonEvidence rows counted from the raw tables: for the given people, or
    for everybody (None). Seven queries per 500 people (or in all)."""
    if user_ids is None:
        return _facts(None, versions)
    ids = sorted(set(user_ids))
    found: dict[int, PersonEvidence] = {}
    for chunk in _chunks(ids):
        found.update(_facts(chunk, versions))
    return found


def _facts(ids: list[int] | None, versions: list[int]) -> dict[int, PersonEvidence]:
    people = {
        pk: PersonEvidence(user_id=pk, department_id=dept, manager_id=manager, active=active)
        for pk, dept, manager, active in _scoped(User.objects, "pk", ids).values_list(
            "pk", "department_id", "manager_id", "is_active"
        )
    }
    if not people:
        return {}
    managers_group = Group.objects.filter(name=roles.MANAGERS).values("pk")
    in_group = _scoped(
        User.groups.through.objects.filter(group__in=managers_group), "user_id", ids
    ).values_list("user_id", flat=True)
    with_reports = (
        _scoped(User.objects, "manager_id", ids)
        .filter(manager__isnull=False)
        .values_list("manager_id", flat=True)
        .distinct()
    )
    for pk in [*in_group, *with_reports]:
        if pk in people:
            people[pk].is_manager = True
    tracks: dict[int, set[int]] = defaultdict(set)
    completed: dict[int, set[int]] = defaultdict(set)
    for user_id, course_id, completed_at, track_id in (
        _scoped(Enrollment.objects, "user_id", ids)
        .order_by()
        .values_list("user_id", "course_id", "completed_at", "course__track_id")
    ):
        person = people.get(user_id)
        if person is None:
            continue
        person.enrolled = True
        if completed_at is not None:
            completed[user_id].add(course_id)
            if track_id:
                tracks[user_id].add(track_id)
    sessions: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for user_id, session_id, track_id in (
        _scoped(Booking.objects.filter(attended=True), "user_id", ids)
        .order_by()
        .values_list("user_id", "session_id", "workshop__track_id")
    ):
        if track_id:
            tracks[user_id].add(track_id)
            sessions[user_id].add((session_id, track_id))
    open_courses: set[int] = set()
    for user_id, course_id in (
        _scoped(Assignment.objects.filter(course__isnull=False), "assignee_id", ids)
        .order_by()
        .values_list("assignee_id", "course_id")
    ):
        person = people.get(user_id)
        if person is None:
            continue
        person.assigned = True
        if course_id not in completed[user_id]:
            open_courses.add(user_id)
    signed: set[int] = set()
    if versions:
        signed = set(
            _scoped(SignOff.objects.filter(version_id__in=versions), "user_id", ids)
            .order_by()
            .values("user_id")
            .annotate(n=Count("version_id", distinct=True))
            .filter(n=len(versions))
            .values_list("user_id", flat=True)
        )
    for pk, person in people.items():
        person.assigned_done = person.assigned and pk not in open_courses
        person.signed = pk in signed
        person.tracks = sorted(tracks.get(pk, ()))
        person.sessions = sorted([session, track] for session, track in sessions.get(pk, ()))
    return people


def contributions(person: PersonEvidence | None) -> dict[TallyKey, int]:
    """What one person adds to the tallies."""
    if person is None or person.department_id is None:
        return {}
    dept = person.department_id
    counts: dict[TallyKey, int] = {}
    for session, track in person.sessions:
        counts[(dept, SESSION, track, session)] = 1
    if not person.active:
        return counts
    counts[(dept, MEMBERS, 0, 0)] = 1
    if person.is_manager:
        counts[(dept, MANAGERS, 0, 0)] = 1
        for track in person.tracks:
            counts[(dept, MANAGER_DONE, track, 0)] = 1
    for flag, key in (
        (person.enrolled, ENROLLED),
        (person.assigned, ASSIGNED),
        (person.assigned and person.assigned_done, ASSIGNED_DONE),
        (person.signed, SIGNED),
    ):
        if flag:
            counts[(dept, key, 0, 0)] = 1
    return counts


def _same(a: PersonEvidence, b: PersonEvidence) -> bool:
    return all(getattr(a, name) == getattr(b, name) for name in FIELDS)


def _apply(delta: dict[TallyKey, int]) -> None:
    """Add the differences to the tallies; a missing row is created for a gain."""
    changes = {key: n for key, n in delta.items() if n}
    if not changes:
        return
    existing = set(
        Department.objects.filter(pk__in={key[0] for key in changes}).values_list("pk", flat=True)
    )
    for (dept, key, track, ref), n in sorted(changes.items()):
        rows = EvidenceTally.objects.filter(department_id=dept, key=key, track=track, ref=ref)
        if rows.update(value=F("value") + n) or n < 0 or dept not in existing:
            continue  # a loss on a missing row (or a deleted department) has nothing to change
        try:
            with transaction.atomic():
                EvidenceTally.objects.create(
                    department_id=dept, key=key, track=track, ref=ref, value=n
                )
        except IntegrityError:  # created meanwhile by a concurrent write
            rows.update(value=F("value") + n)


def _stored_versions() -> list[int] | None:
    setting = EvidenceSetting.objects.filter(key=VERSIONS_SETTING).first()
    return None if setting is None else list(setting.value)


def refresh(user_ids: Iterable[int | None]) -> None:
    """Count these people again and change the tallies by the difference.

    Called in the transaction of the write (signals.py). A person whose manager changed
    brings the old and the new manager along (having reports makes a manager)."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return
    with transaction.atomic():
        versions = current_versions()
        if versions != _stored_versions():
            recount_signed(versions=versions)
        stored = _stored(ids)
        new = facts(ids, versions=versions)
        managers = set()
        for pk in ids:
            old_manager = stored[pk].manager_id if pk in stored else None
            new_manager = new[pk].manager_id if pk in new else None
            if old_manager != new_manager:
                managers |= {old_manager, new_manager}
        managers -= ids | {None}
        if managers:
            stored.update(_stored(managers))
            new.update(facts(managers, versions=versions))
            ids |= managers
        delta: dict[TallyKey, int] = defaultdict(int)
        for pk in ids:
            before, after = stored.get(pk), new.get(pk)
            if before is not None and after is not None and _same(before, after):
                continue
            for key, n in contributions(after).items():
                delta[key] += n
            for key, n in contributions(before).items():
                delta[key] -= n
        _apply(delta)
        _store(stored, new, ids)


def person_added(person: User) -> None:
    """A person just created: nothing can refer to them yet (no enrolment, booking,
    assignment, sign-off, report or group), so their row is what the account says, without
    reading the raw tables as refresh() would. Their manager may have become one by having
    a report, and is counted again."""
    with transaction.atomic():
        if PersonEvidence.objects.filter(user_id=person.pk).exists():
            refresh([person.pk])  # a row left under this id: count as for any write
            return
        row = PersonEvidence(
            user_id=person.pk,
            department_id=person.department_id,
            manager_id=person.manager_id,
            active=person.is_active,
        )
        _apply(contributions(row))
        row.save(force_insert=True)
        if person.manager_id is not None:
            refresh([person.manager_id])


def _stored(ids: set[int]) -> dict[int, PersonEvidence]:
    return {
        person.user_id: person
        for chunk in _chunks(sorted(ids))
        for person in PersonEvidence.objects.select_for_update().filter(user_id__in=chunk)
    }


def _store(stored: dict[int, PersonEvidence], new: dict[int, PersonEvidence], ids) -> None:
    gone = [pk for pk in ids if pk in stored and pk not in new]
    if gone:
        PersonEvidence.objects.filter(user_id__in=gone).delete()
    changed = [
        new[pk] for pk in ids if pk in stored and pk in new and not _same(stored[pk], new[pk])
    ]
    if changed:
        PersonEvidence.objects.bulk_update(changed, FIELDS)
    added = [new[pk] for pk in ids if pk in new and pk not in stored]
    if added:
        PersonEvidence.objects.bulk_create(added)


def _remember_versions(versions: list[int]) -> None:
    EvidenceSetting.objects.update_or_create(key=VERSIONS_SETTING, defaults={"value": versions})


def recount_signed(*, versions: list[int] | None = None) -> None:
    """A guidelines document was published, withdrawn or got a new version: who has
    accepted every current version is counted again for everybody (in SQL)."""
    versions = current_versions() if versions is None else versions
    with transaction.atomic():
        if versions:
            signed_all = Q(
                *[
                    Exists(SignOff.objects.filter(user_id=OuterRef("user_id"), version_id=version))
                    for version in versions
                ]
            )
            PersonEvidence.objects.filter(signed_all).exclude(signed=True).update(signed=True)
            PersonEvidence.objects.exclude(signed_all).exclude(signed=False).update(signed=False)
        else:
            PersonEvidence.objects.filter(signed=True).update(signed=False)
        EvidenceTally.objects.filter(key=SIGNED).delete()
        EvidenceTally.objects.bulk_create(
            EvidenceTally(department_id=dept, key=SIGNED, value=n)
            for dept, n in PersonEvidence.objects.filter(
                signed=True,
                active=True,
                department_id__in=Department.objects.values("pk"),
            )
            .values_list("department_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        _remember_versions(versions)


@dataclass
class RecountResult:
    people: int  # people counted
    people_wrong: int  # stored rows that differed from the recount (or were missing/extra)
    tallies_wrong: int  # tallies that differed
    repaired: bool


def tallies_from(people: Iterable[PersonEvidence]) -> dict[TallyKey, int]:
    existing = set(Department.objects.values_list("pk", flat=True))
    totals: dict[TallyKey, int] = defaultdict(int)
    for person in people:
        for key, n in contributions(person).items():
            if key[0] in existing:
                totals[key] += n
    return dict(totals)


def stored_tallies() -> dict[TallyKey, int]:
    return {
        (dept, key, track, ref): value
        for dept, key, track, ref, value in EvidenceTally.objects.exclude(value=0).values_list(
            "department_id", "key", "track", "ref", "value"
        )
    }


def recount(*, repair: bool = False, progress=None) -> RecountResult:
    """Count everything again from the raw tables and compare it with what is stored;
    with repair, store the recount (in one transaction)."""
    say = progress or (lambda message: None)
    with transaction.atomic():
        versions = current_versions()
        say(f"counting {User.objects.count()} people from the raw tables …")
        people = facts(None, versions=versions)
        say("comparing with the stored evidence …")
        stored_people = {person.user_id: person for person in PersonEvidence.objects.iterator()}
        people_wrong = len(set(stored_people) ^ set(people)) + sum(
            1
            for pk, person in people.items()
            if pk in stored_people and not _same(stored_people[pk], person)
        )
        expected = tallies_from(people.values())
        stored = stored_tallies()
        tallies_wrong = sum(
            1 for key in set(expected) | set(stored) if expected.get(key, 0) != stored.get(key, 0)
        )
        wrong = bool(people_wrong or tallies_wrong or versions != _stored_versions())
        if repair and wrong:
            say("storing the recount …")
            PersonEvidence.objects.all().delete()
            PersonEvidence.objects.bulk_create(people.values(), batch_size=2000)
            EvidenceTally.objects.all().delete()
            EvidenceTally.objects.bulk_create(
                (
                    EvidenceTally(department_id=dept, key=key, track=track, ref=ref, value=n)
                    for (dept, key, track, ref), n in expected.items()
                ),
                batch_size=2000,
            )
            _remember_versions(versions)
    return RecountResult(
        people=len(people),
        people_wrong=people_wrong,
        tallies_wrong=tallies_wrong,
        repaired=repair and wrong,
    )


def rebuild() -> RecountResult:
    """Fill the summary from scratch (migration, bench generation)."""
    return recount(repair=True)
