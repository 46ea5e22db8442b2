"""The sign-off report's summary: who signed what, counted per department.

``SignOffTally`` holds, per document and department, how many active people signed it,
by the newest version each signed; ``DepartmentHeadcount`` the active people per
department. The report (lms.guidelines.selectors.department_report) reads only these
rows: current = people whose newest signed number is the current version's, older =
the other signers, never = headcount - signers. Publishing a new version changes no
row (the numbers stay, the current number moves), nor does changing a document's
departments (the rows exist for every department; the report picks those in scope).

What changes them, each in the transaction of the write (lms.guidelines.signals):

- a sign-off recorded (``signoff_added``) or erased (``signoffs_removed``),
- a person created, moved to another department, deactivated or reactivated, deleted
  (``people_changed``, from the User model's signals and Wagtail's bulk
  "set active state" action),
- a department deleted: its people move to "no department" (``department_removed``).

Writes that send no model signal announce themselves (lms.core.changes); the summary is
then rebuilt (``rebuild``), as after a bulk load (the benchmark's generation). ``check``
compares the rows with a count from scratch; ``manage.py signoff_tallies`` reports and
repairs differences.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, Max

from lms.guidelines.models import DepartmentHeadcount, SignOff, SignOffTally
from lms.people.models import User

NO_DEPARTMENT = 0

# (department_id or None, counted: active and not a guest) of a person; None: the person
# does not exist. Guests (customers in a bootcamp) sign no internal document and are in no
# department's headcount, not even "no department".
PersonState = tuple[int | None, bool] | None
TallyKey = tuple[int, int, int]  # document id, department key, newest number signed


def is_counted(*, active: bool, guest: bool) -> bool:
    return active and not guest


def _person(user_id: int) -> PersonState:
    row = (
        User.objects.filter(pk=user_id)
        .values_list("department_id", "is_active", "is_guest")
        .first()
    )
    return None if row is None else (row[0], is_counted(active=row[1], guest=row[2]))


def department_key(department_id: int | None) -> int:
    return department_id or NO_DEPARTMENT


def _models(apps=None):
    """The models, or a migration's historical ones (``apps``)."""
    if apps is None:
        return SignOffTally, DepartmentHeadcount, SignOff, User
    return (
        apps.get_model("guidelines", "SignOffTally"),
        apps.get_model("guidelines", "DepartmentHeadcount"),
        apps.get_model("guidelines", "SignOff"),
        apps.get_model("people", "User"),
    )


def _bump(model: type[models.Model], delta: int, **key) -> None:
    """Add ``delta`` to the row's ``people``, creating the row if it is missing; an
    UPDATE ... SET people = people + delta, so concurrent writers do not lose counts."""
    if not delta:
        return
    if model.objects.filter(**key).update(people=F("people") + delta):
        return
    try:
        with transaction.atomic():
            model.objects.create(people=delta, **key)
    except IntegrityError:  # another transaction created it meanwhile
        model.objects.filter(**key).update(people=F("people") + delta)


def _apply(tallies: Counter[TallyKey], heads: Counter[int]) -> None:
    for (document_id, key, number), delta in sorted(tallies.items()):
        _bump(SignOffTally, delta, document_id=document_id, department_key=key, number=number)
    for key, delta in sorted(heads.items()):
        _bump(DepartmentHeadcount, delta, department_key=key)


def _newest_signed(user_ids: Iterable[int]) -> dict[int, list[tuple[int, int]]]:
    """User id -> [(document id, newest version number signed)] (one query)."""
    newest: dict[int, list[tuple[int, int]]] = {}
    rows = (
        SignOff.objects.filter(user_id__in=list(user_ids))
        .order_by()
        .values("user_id", "document_id")
        .annotate(number=Max("version__number"))
        .values_list("user_id", "document_id", "number")
    )
    for user_id, document_id, number in rows:
        newest.setdefault(user_id, []).append((document_id, number))
    return newest


def people_changed(changes: Iterable[tuple[int, PersonState, PersonState]]) -> None:
    """People whose department or active flag changed: (user id, before, after)."""
    changes = [
        (user_id, before, after)
        for user_id, before, after in changes
        if _counted(before) != _counted(after)
    ]
    if not changes:
        return
    signed = _newest_signed(user_id for user_id, before, _after in changes if before)
    tallies: Counter[TallyKey] = Counter()
    heads: Counter[int] = Counter()
    for user_id, before, after in changes:
        for state, sign in ((before, -1), (after, 1)):
            if state is None or not state[1]:
                continue
            key = department_key(state[0])
            heads[key] += sign
            for document_id, number in signed.get(user_id, ()):
                tallies[(document_id, key, number)] += sign
    _apply(tallies, heads)


def _counted(state: PersonState) -> int | None:
    """The department key a person is counted under, None if not counted."""
    if state is None or not state[1]:
        return None
    return department_key(state[0])


def signoff_added(*, user_id: int, document_id: int, signoff_id: int, number: int) -> None:
    """A sign-off was recorded: its signer moves to the newest number they signed."""
    person = _person(user_id)
    if person is None or not person[1]:
        return
    before = (
        SignOff.objects.filter(user_id=user_id, document_id=document_id)
        .exclude(pk=signoff_id)
        .aggregate(number=Max("version__number"))["number"]
    )
    if before is not None and before >= number:
        return
    key = department_key(person[0])
    tallies: Counter[TallyKey] = Counter({(document_id, key, number): 1})
    if before is not None:
        tallies[(document_id, key, before)] -= 1
    _apply(tallies, Counter())


def signoffs_removed(*, user_id: int, document_id: int) -> None:
    """Sign-offs were erased: the signer's department is counted again for the document."""
    person = _person(user_id)
    if person is not None and person[1]:
        recount(document_id=document_id, department_id=person[0])


def department_removed(*, department_id: int) -> None:
    """A deleted department's people have no department now (SET_NULL sends no signal)."""
    tallies: Counter[TallyKey] = Counter()
    for document_id, number, people in SignOffTally.objects.filter(
        department_key=department_id
    ).values_list("document_id", "number", "people"):
        tallies[(document_id, NO_DEPARTMENT, number)] += people
    heads = Counter(
        {
            NO_DEPARTMENT: sum(
                DepartmentHeadcount.objects.filter(department_key=department_id).values_list(
                    "people", flat=True
                )
            )
        }
    )
    SignOffTally.objects.filter(department_key=department_id).delete()
    DepartmentHeadcount.objects.filter(department_key=department_id).delete()
    _apply(tallies, heads)


# --- From scratch: the bulk fill, the check and the repair ------------------------------


def count(*, apps=None, document_id: int | None = None, department_id: int | None = None):
    """The summary counted from the sign-offs and people (two grouped queries): tallies
    {(document, department key, number): people} and headcounts {department key: people}.
    Restricted to one document and/or department (``department_id`` 0: none) if given."""
    _tally, _heads, SignOff, User = _models(apps)
    people = User.objects.filter(is_active=True)
    signoffs = SignOff.objects.filter(user__is_active=True)
    if any(field.name == "is_guest" for field in User._meta.get_fields()):
        # (a migration before people 0007 knows no guests)
        people = people.filter(is_guest=False)
        signoffs = signoffs.filter(user__is_guest=False)
    if department_id is not None:
        if department_id == NO_DEPARTMENT:
            people = people.filter(department__isnull=True)
            signoffs = signoffs.filter(user__department__isnull=True)
        else:
            people = people.filter(department_id=department_id)
            signoffs = signoffs.filter(user__department_id=department_id)
    if document_id is not None:
        signoffs = signoffs.filter(document_id=document_id)
    tallies: Counter[TallyKey] = Counter()
    newest = (
        signoffs.order_by()
        .values("user_id", "document_id", "user__department_id")
        .annotate(number=Max("version__number"))
        .values_list("document_id", "user__department_id", "number")
    )
    for document, department, number in newest.iterator(chunk_size=10_000):
        tallies[(document, department_key(department), number)] += 1
    heads = Counter(
        {
            department_key(department): total
            for department, total in people.order_by()
            .values("department_id")
            .annotate(total=Count("pk"))
            .values_list("department_id", "total")
        }
    )
    return tallies, heads


def _scoped(apps, *, document_id: int | None, department_id: int | None):
    """The stored tally and headcount rows of one document and/or department (or all)."""
    SignOffTally, DepartmentHeadcount, _signoff, _user = _models(apps)
    tallies = SignOffTally.objects.all()
    heads = DepartmentHeadcount.objects.all()
    if document_id is not None:
        tallies = tallies.filter(document_id=document_id)
    if department_id is not None:
        tallies = tallies.filter(department_key=department_id)
        heads = heads.filter(department_key=department_id)
    return tallies, heads


def stored(*, apps=None, document_id: int | None = None, department_id: int | None = None):
    tallies, heads = _scoped(apps, document_id=document_id, department_id=department_id)
    return (
        Counter(
            {
                (document, key, number): people
                for document, key, number, people in tallies.values_list(
                    "document_id", "department_key", "number", "people"
                )
                if people
            }
        ),
        Counter(
            {key: people for key, people in heads.values_list("department_key", "people") if people}
        ),
    )


def _replace(apps, tallies, heads, *, document_id=None, department_id=None, heads_too=True) -> None:
    SignOffTally, DepartmentHeadcount, _signoff, _user = _models(apps)
    old_tallies, old_heads = _scoped(apps, document_id=document_id, department_id=department_id)
    old_tallies.delete()
    SignOffTally.objects.bulk_create(
        [
            SignOffTally(document_id=document, department_key=key, number=number, people=people)
            for (document, key, number), people in tallies.items()
            if people
        ],
        batch_size=1000,
    )
    if heads_too:
        old_heads.delete()
        DepartmentHeadcount.objects.bulk_create(
            [
                DepartmentHeadcount(department_key=key, people=people)
                for key, people in heads.items()
                if people
            ],
            batch_size=1000,
        )


def recount(*, document_id: int, department_id: int | None) -> None:
    """Count one document's sign-offs in one department again (its size, not the company's)."""
    key = department_key(department_id)
    tallies, _heads = count(document_id=document_id, department_id=key)
    _replace(None, tallies, None, document_id=document_id, department_id=key, heads_too=False)


def rebuild(*, apps=None) -> None:
    """Replace the whole summary by a count from scratch (bulk loads, the repair)."""
    with transaction.atomic():
        tallies, heads = count(apps=apps)
        _replace(apps, tallies, heads)


@dataclass(frozen=True)
class Difference:
    what: str  # "tally" or "headcount"
    key: tuple
    stored: int
    counted: int


def check(*, apps=None) -> list[Difference]:
    """Where the stored summary differs from a count from scratch (none: it is right)."""
    counted_tallies, counted_heads = count(apps=apps)
    stored_tallies, stored_heads = stored(apps=apps)
    differences = [
        Difference("tally", key, stored_tallies.get(key, 0), counted_tallies.get(key, 0))
        for key in sorted(set(counted_tallies) | set(stored_tallies))
        if stored_tallies.get(key, 0) != counted_tallies.get(key, 0)
    ]
    differences += [
        Difference("headcount", (key,), stored_heads.get(key, 0), counted_heads.get(key, 0))
        for key in sorted(set(counted_heads) | set(stored_heads))
        if stored_heads.get(key, 0) != counted_heads.get(key, 0)
    ]
    return differences
