"""Read-side queries for guidelines and sign-offs; counts are computed in SQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Trim
from django.utils.translation import gettext_lazy

from lms.core import exports, learner_cache
from lms.core.caching import VersionedCache
from lms.guidelines.models import (
    DepartmentHeadcount,
    GuidelinePage,
    GuidelineVersion,
    SignOff,
    SignOffTally,
)
from lms.people.models import Department, User

# Bumped by lms.guidelines.signals whenever a document or its versions change.
guideline_documents = VersionedCache("guidelines", timeout=5 * 60)

SIGNED_CURRENT = "current"
SIGNED_OLDER = "older"
NEVER_SIGNED = "never"


def current_version(*, document: GuidelinePage) -> GuidelineVersion | None:
    return GuidelineVersion.objects.filter(document=document).order_by("-number").first()


def in_scope(*, document: GuidelinePage, user: User) -> bool:
    if document.applies_to_all:
        return True
    return bool(user.department_id) and document.departments.filter(pk=user.department_id).exists()


def _latest_number():
    return Subquery(
        GuidelineVersion.objects.filter(document=OuterRef("pk"))
        .order_by("-number")
        .values("number")[:1],
        output_field=IntegerField(),
    )


@dataclass
class DocumentState:
    document: GuidelinePage
    current_number: int
    signed_number: int | None

    @property
    def state(self) -> str:
        if self.signed_number is None:
            return NEVER_SIGNED
        return SIGNED_CURRENT if self.signed_number >= self.current_number else SIGNED_OLDER

    @property
    def is_outstanding(self) -> bool:
        return self.state != SIGNED_CURRENT


@dataclass(frozen=True)
class PublishedDocument:
    document: GuidelinePage
    current_number: int
    applies_to_all: bool
    department_ids: frozenset[int]

    def applies_to(self, user: User) -> bool:
        return self.applies_to_all or user.department_id in self.department_ids


def _load_published_documents() -> list[PublishedDocument]:
    documents = list(
        GuidelinePage.objects.live()
        .annotate(current_number=_latest_number())
        .filter(current_number__isnull=False)
        .defer("body")
        .order_by("path")
    )
    departments: dict[int, set[int]] = {}
    for document_id, department_id in GuidelinePage.departments.through.objects.filter(
        guidelinepage_id__in=[document.pk for document in documents]
    ).values_list("guidelinepage_id", "department_id"):
        departments.setdefault(document_id, set()).add(department_id)
    return [
        PublishedDocument(
            document=document,
            current_number=document.current_number,
            applies_to_all=document.applies_to_all,
            department_ids=frozenset(departments.get(document.pk, ())),
        )
        for document in documents
    ]


def published_documents() -> list[PublishedDocument]:
    """Live documents with a published version, and whom they apply to.

    Every page asks (for the banner of documents still to accept), and they change only
    when a document is published, unpublished, moved or deleted: cached until then.
    """
    return guideline_documents.get_or_compute("published", _load_published_documents)


def _newest_signed_numbers(user: User) -> dict[int, int]:
    """Document id -> the newest version number the user signed."""
    return dict(
        SignOff.objects.filter(user=user)
        .values("document_id")
        .annotate(number=Max("version__number"))
        .values_list("document_id", "number")
    )


def document_states(*, user: User) -> list[DocumentState]:
    """Every document in the user's scope with the newest version they signed (at most
    1 query; cached per learner where the learner cache is on)."""
    if not user.is_authenticated:
        return []
    documents = [entry for entry in published_documents() if entry.applies_to(user)]
    if not documents:
        return []
    # The banner asks on every page; a sign-off bumps the learner's cache.
    signed = learner_cache.remember(
        user=user, name="signed-guidelines", compute=lambda: _newest_signed_numbers(user)
    )
    return [
        DocumentState(
            document=entry.document,
            current_number=entry.current_number,
            signed_number=signed.get(entry.document.pk),
        )
        for entry in documents
    ]


def outstanding_documents(*, user: User) -> list[DocumentState]:
    return [state for state in document_states(user=user) if state.is_outstanding]


def outstanding_documents_with_quiz(*, user: User, quiz_id: int) -> list[DocumentState]:
    """The documents in the user's scope that require `quiz_id` and that they have still to
    accept in their current version (the same queries as document_states)."""
    return [
        state
        for state in document_states(user=user)
        if state.document.quiz_id == quiz_id and state.is_outstanding
    ]


def documents_for(*, user: User) -> list[DocumentState]:
    return document_states(user=user)


@dataclass
class DocumentStatus:
    document: GuidelinePage
    version: GuidelineVersion | None
    in_scope: bool
    signoff: SignOff | None
    previous_signoff: SignOff | None
    changes: list[GuidelineVersion] = field(default_factory=list)

    @property
    def needs_signing(self) -> bool:
        return self.in_scope and self.version is not None and self.signoff is None


def document_status(*, document: GuidelinePage, user: User) -> DocumentStatus:
    version = current_version(document=document)
    signoffs = list(
        SignOff.objects.filter(user=user, document=document)
        .select_related("version", "recorded_by")
        .order_by("-version__number")
    )
    current = next((s for s in signoffs if version and s.version_id == version.pk), None)
    previous = next((s for s in signoffs if s is not current), None)
    changes = []
    if current is None and previous is not None and version is not None:
        changes = list(
            GuidelineVersion.objects.filter(
                document=document, number__gt=previous.version.number
            ).order_by("number")
        )
    return DocumentStatus(
        document=document,
        version=version,
        in_scope=in_scope(document=document, user=user),
        signoff=current,
        previous_signoff=previous,
        changes=changes,
    )


def _employee_states(document: GuidelinePage, employees: QuerySet[User]) -> QuerySet[User]:
    current = current_version(document=document)
    current_number = current.number if current else 0
    signed_number = Subquery(
        SignOff.objects.filter(user=OuterRef("pk"), document=document)
        .order_by("-version__number")
        .values("version__number")[:1],
        output_field=IntegerField(),
    )
    return employees.annotate(
        signed_number=Coalesce(signed_number, Value(0)),
        current_number=Value(current_number),
    )


def employees_in_scope(*, document: GuidelinePage) -> QuerySet[User]:
    employees = User.objects.filter(is_active=True, is_guest=False)
    if not document.applies_to_all:
        employees = employees.filter(department__in=document.departments.all())
    return employees


@dataclass
class DepartmentRow:
    department: str
    slug: str | None  # None for people without a department
    current: int
    older: int
    never: int

    @property
    def total(self) -> int:
        return self.current + self.older + self.never

    @property
    def percent_current(self) -> int:
        return round(100 * self.current / self.total) if self.total else 0


def department_report(*, document: GuidelinePage) -> list[DepartmentRow]:
    """Sign-off state per department, from the summary lms.guidelines.tallies keeps (two
    queries: the current version, then the headcounts with their departments and this
    document's tallies): the work follows the number of departments, not of people."""
    current = current_version(document=document)
    current_number = current.number if current else 0
    heads = DepartmentHeadcount.objects.filter(people__gt=0)
    if not document.applies_to_all:
        heads = heads.filter(
            department_key__in=GuidelinePage.departments.through.objects.filter(
                guidelinepage_id=document.pk
            ).values("department_id")
        )
    department = Department.objects.filter(pk=OuterRef("department_key"))
    tallies = SignOffTally.objects.filter(
        document=document, department_key=OuterRef("department_key")
    ).order_by()

    def signers(queryset):
        return Coalesce(
            Subquery(
                queryset.values("department_key").annotate(total=Sum("people")).values("total")
            ),
            Value(0),
        )

    rows = heads.annotate(
        name=Subquery(department.values("name")[:1]),
        slug=Subquery(department.values("slug")[:1]),
        signed_any=signers(tallies),
        signed_current=signers(tallies.filter(number__gte=current_number)),
    ).values_list("people", "name", "slug", "signed_any", "signed_current")
    report = [
        DepartmentRow(
            department=name or "—",
            slug=slug,
            current=signed_current,
            older=signed_any - signed_current,
            never=people - signed_any,
        )
        for people, name, slug, signed_any, signed_current in rows
    ]
    return sorted(report, key=lambda row: (row.department == "—", row.department))


def department_people(*, document: GuidelinePage, department: Department) -> QuerySet[User]:
    """The people of one department in the document's scope, by name, each annotated with
    the newest version of it they signed (``signed_number``, None if never), when
    (``signed_at``) and ``state`` (SIGNED_CURRENT, SIGNED_OLDER, NEVER_SIGNED).

    For a page of the report: sliced, it is one query whatever the department's size."""
    current = current_version(document=document)
    current_number = current.number if current else 0
    newest = SignOff.objects.filter(user=OuterRef("pk"), document=document).order_by(
        "-version__number", "-signed_at"
    )
    return (
        employees_in_scope(document=document)
        .filter(department=department)
        .annotate(
            signed_number=Subquery(newest.values("version__number")[:1]),
            signed_at=Subquery(newest.values("signed_at")[:1]),
            state=Case(
                When(signed_number__isnull=True, then=Value(NEVER_SIGNED)),
                When(signed_number__gte=current_number, then=Value(SIGNED_CURRENT)),
                default=Value(SIGNED_OLDER),
            ),
        )
        .only("pk", "username", "first_name", "last_name", "email")
        .order_by("last_name", "first_name", "username")
    )


STATE_LABELS = {
    SIGNED_CURRENT: gettext_lazy("signed current version"),
    SIGNED_OLDER: gettext_lazy("signed an older version"),
    NEVER_SIGNED: gettext_lazy("never signed"),
}

SIGNOFF_EXPORT = exports.ExportSpec(
    columns=(
        exports.Column(gettext_lazy("Username")),
        exports.Column(gettext_lazy("Name"), width=28),
        exports.Column(gettext_lazy("Email"), width=30),
        exports.Column(gettext_lazy("Department")),
        exports.Column(gettext_lazy("State"), exports.LABEL, labels=STATE_LABELS, width=26),
        exports.Column(gettext_lazy("Signed version"), exports.NUMBER, width=12),
        exports.Column(gettext_lazy("Current version"), exports.NUMBER, width=12),
        exports.Column(gettext_lazy("Signed at"), exports.DATETIME),
        exports.Column(gettext_lazy("Recorded on behalf"), exports.YES_NO, width=12),
    )
)


def signoff_export_rows(
    *, document: GuidelinePage, department: Department | None = None
) -> exports.DatabaseRows:
    """Per employee in scope (of one department, if given), by department and name:
    the rows of SIGNOFF_EXPORT (state as a code, versions as numbers, the sign-off's
    time as a datetime), with the newest version they signed.

    A query per department (by name), then one for the people without one, joins people
    to their newest sign-off of this document and computes every column; for CSV the
    database writes the finished cells (exports.DatabaseRows): the first rows go out
    while later departments are unread. The document's few versions are read first and
    their numbers written into the query, so no row joins the version table; a sign-off
    of an older version is joined only when the person signed no newer one (a look-up
    by the sign-off's (user, version) key), so each person is one row, in the order of
    the (department, last name, username) index, with nothing to sort.
    """
    numbers = dict(GuidelineVersion.objects.filter(document=document).values_list("pk", "number"))
    current_number = max(numbers.values(), default=0)
    employees = employees_in_scope(document=document)
    version_id = "document_signoff__version_id"
    signed_number = Case(
        *(When(**{version_id: pk}, then=Value(number)) for pk, number in numbers.items()),
        default=None,
        output_field=IntegerField(),
    )
    current_ids = [pk for pk, number in numbers.items() if number >= current_number]
    newest = Q(guideline_signoffs__version_id__in=current_ids)
    for pk, number in numbers.items():
        if number < current_number:
            newer = [other for other, higher in numbers.items() if higher > number]
            newest |= Q(guideline_signoffs__version_id=pk) & ~Exists(
                SignOff.objects.filter(user_id=OuterRef("pk"), version_id__in=newer)
            )
    rows = employees.annotate(
        document_signoff=FilteredRelation(
            "guideline_signoffs", condition=Q(guideline_signoffs__document=document) & newest
        ),
        full_name=Trim(Concat("first_name", Value(" "), "last_name")),
        department_name=Coalesce("department__name", Value("")),
        state=Case(
            When(document_signoff__isnull=True, then=Value(NEVER_SIGNED)),
            When(**{f"{version_id}__in": current_ids}, then=Value(SIGNED_CURRENT)),
            default=Value(SIGNED_OLDER),
        ),
        signed_version=signed_number,
        current_version=Value(current_number),
        signed_at=F("document_signoff__signed_at"),
        # 1/0, not a boolean: no converter per row (exports.YES_NO reads truthiness).
        on_behalf=Case(
            When(document_signoff__recorded_by__isnull=False, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
    ).order_by("last_name", "username")
    if department is not None:
        parts = (department.pk,)
    else:
        # By department name, then the people without one: each part is sorted on its own.
        in_scope = Department.objects.order_by("name")
        if document.applies_to_all:
            parts = (*in_scope.values_list("pk", flat=True), None)
        else:  # the people of these departments only: none without one
            in_scope = in_scope.filter(pk__in=document.departments.values("pk"))
            parts = tuple(in_scope.values_list("pk", flat=True))
    return exports.DatabaseRows(
        queryset=rows,
        parts=("department_id", parts),
        fields=(
            "username",
            "full_name",
            "email",
            "department_name",
            "state",
            "signed_version",
            "current_version",
            "signed_at",
            "on_behalf",
        ),
    )


def team_matrix(*, members: QuerySet[User], documents: list[GuidelinePage]) -> list[dict]:
    """Rows of team members × documents with the sign-off state (one query per document)."""
    member_ids = members.values("pk")
    members = list(members.select_related("department").order_by("last_name", "username"))
    states: dict[tuple[int, int], str | None] = {}
    for document in documents:
        in_scope_members = employees_in_scope(document=document).filter(pk__in=member_ids)
        for row in _employee_states(document, in_scope_members).values(
            "pk", "signed_number", "current_number"
        ):
            states[(row["pk"], document.pk)] = (
                NEVER_SIGNED
                if not row["signed_number"]
                else SIGNED_CURRENT
                if row["signed_number"] >= row["current_number"]
                else SIGNED_OLDER
            )
    return [
        {
            "member": member,
            "states": [states.get((member.pk, document.pk)) for document in documents],
        }
        for member in members
    ]


def members_with_outstanding_guidelines(*, members: Iterable[User]) -> set[int]:
    """Ids of the (active) members who have not accepted the current version of a
    published document in their scope.

    One query on the members' own sign-offs (by the sign-off's (user, version) index);
    the documents and their audiences come from the cached published_documents(). The
    members are given as loaded rows, not as a query: a reporting-tree subquery inside
    would be planned for half the company."""
    members = [member for member in members if member.is_active]
    documents = published_documents()
    if not members or not documents:
        return set()
    signed = dict(
        ((user_id, document_id), number)
        for user_id, document_id, number in SignOff.objects.filter(
            user_id__in=[member.pk for member in members]
        )
        .order_by()
        .values("user_id", "document_id")
        .annotate(number=Max("version__number"))
        .values_list("user_id", "document_id", "number")
    )
    return {
        member.pk
        for member in members
        for entry in documents
        if entry.applies_to(member)
        and signed.get((member.pk, entry.document.pk), 0) < entry.current_number
    }


def reportable_documents() -> list[GuidelinePage]:
    return list(
        GuidelinePage.objects.live()
        .annotate(current_number=_latest_number())
        .filter(current_number__isnull=False)
        .order_by("path")
    )


def audit_trail(*, user: User) -> QuerySet[SignOff]:
    return (
        SignOff.objects.filter(user=user)
        .select_related("document", "version", "recorded_by")
        .order_by("-signed_at")
    )


def departments() -> QuerySet[Department]:
    return Department.objects.order_by("name")
