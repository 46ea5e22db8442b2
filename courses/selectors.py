"""Read-side queries for courses and learner progress.

Every function here runs a fixed number of queries, whatever the number of
enrolments or modules, so pages built on them do not grow N+1.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import (
    DEFERRED,
    BigIntegerField,
    Count,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Length, Substr
from wagtail.images import get_image_model
from wagtail.models import Page

from courses.models import (
    CourseIndexPage,
    CoursePage,
    Enrollment,
    ModuleCompletion,
    ModulePage,
    Track,
)
from lms.core import learner_rows
from lms.core.compiled import CompiledQueries
from lms.guidelines.models import GuidelinePage
from lms.guidelines.selectors import document_states
from lms.people.models import Department
from lms.quizzes.models import Quiz, Sitting
from lms.quizzes.selectors import (
    SITTING_TOTALS_COLUMNS,
    SITTING_TOTALS_SQL,
    QuizState,
    quiz_state_of,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

    from lms.people.models import User

COVER_RENDITION = "fill-640x360"


@dataclass(frozen=True)
class ModuleState:
    module: ModulePage
    completed_at: datetime | None
    position: int
    quiz_state: QuizState | None = None

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None


@dataclass
class CourseProgress:
    course: CoursePage
    modules: list[ModuleState]
    enrollment: Enrollment | None
    missing_guidelines: list = field(default_factory=list)

    @property
    def counted_modules(self) -> list[ModuleState]:
        """Required modules count; a course of only optional modules counts all of them."""
        required = [state for state in self.modules if state.module.required]
        return required or self.modules

    @property
    def percent(self) -> int:
        counted = self.counted_modules
        if not counted:
            return 0
        done = sum(1 for state in counted if state.is_done)
        return round(100 * done / len(counted))

    @property
    def done_count(self) -> int:
        return sum(1 for state in self.counted_modules if state.is_done)

    @property
    def next_module(self) -> ModulePage | None:
        """The first open required module, else the first open module, else None."""
        for state in self.counted_modules:
            if not state.is_done:
                return state.module
        for state in self.modules:
            if not state.is_done:
                return state.module
        return None

    @property
    def is_enrolled(self) -> bool:
        return self.enrollment is not None

    @property
    def is_completed(self) -> bool:
        return self.enrollment is not None and self.enrollment.completed_at is not None

    @property
    def total_minutes(self) -> int:
        return sum(state.module.estimated_minutes for state in self.modules)


@dataclass
class ModuleView:
    module: ModulePage
    course: CoursePage
    progress: CourseProgress
    state: ModuleState
    previous: ModulePage | None
    next: ModulePage | None


@dataclass(frozen=True)
class NextModule:
    """The module a dashboard row continues with: its URL is the course's plus its slug."""

    slug: str
    title: str


@dataclass
class CourseSummary:
    """A course on the dashboard: progress counted in the database, no module pages built."""

    course: CoursePage
    enrollment: Enrollment
    percent: int
    next_module: NextModule | None

    @property
    def is_completed(self) -> bool:
        return self.enrollment.completed_at is not None


@dataclass
class Dashboard:
    in_progress: list[CourseSummary] = field(default_factory=list)
    completed: list[CourseSummary] = field(default_factory=list)
    recommended: list[CoursePage] = field(default_factory=list)


def _live_modules_under(parent_paths: list[str]) -> QuerySet[ModulePage]:
    """Live modules whose parent (their course) has one of these tree paths.

    Matching the parent's path is one condition however many courses; a prefix test per
    course cost more to build than to run on the dashboard's twenty courses.
    """
    parent_path = Substr("path", 1, Length("path") - ModulePage.steplen)
    return (
        ModulePage.objects.live()
        .annotate(parent_path=parent_path)
        .filter(parent_path__in=parent_paths)
    )


def _completed_at(user: User):
    if not user.is_authenticated:
        return Value(None, output_field=ModuleCompletion._meta.get_field("completed_at"))
    return Subquery(
        ModuleCompletion.objects.filter(user=user, module=OuterRef("pk")).values("completed_at")[:1]
    )


# What the dashboard shows of an enrolment and its course (title, URL, track); the course's summary and objectives are not decoded for them.
DASHBOARD_ENROLLMENT_FIELDS = (
    "enrolled_at",
    "completed_at",
    "course__title",
    "course__slug",
    "course__url_path",
    "course__path",
    "course__depth",
    "course__live",
    "course__track__name",
    "course__track__colour",
)


# Enough of a page for its title and {% pageurl %}.
PAGE_LINK_FIELDS = ("id", "title", "slug", "url_path", "path", "depth", "live")


def _progress(
    *,
    course: CoursePage,
    user: User,
    enrollment: Enrollment | None,
    modules: list[ModulePage],
    quizzes: dict[int, QuizState],
) -> CourseProgress:
    states = [
        ModuleState(
            module=module,
            completed_at=module.completed_at,
            position=index,
            quiz_state=quizzes.get(module.active_quiz_id),
        )
        for index, module in enumerate(modules, start=1)
    ]
    progress = CourseProgress(course=course, modules=states, enrollment=enrollment)
    if user.is_authenticated and enrollment is None:
        progress.missing_guidelines = missing_for_course(user=user, course=course)
    return progress


# The learner's whole view of one course in one query: the course (with its track), the
# learner's enrolment, and per live module (tree order) its outline fields, the learner's
# completion, the module's quiz and the learner's attempts at it. The course row drives
# the query, so a course without live modules still gives its one row. It is plain SQL
# because the course and module pages are read far more often than anything else, and
# building this query with the ORM cost ten times more than running it; it is pinned by
# the course and module page tests on SQLite and PostgreSQL.
_COURSE_COLUMNS = ("id", "title", "slug", "url_path", "path", "depth", "live", "track_id")
_TRACK_COLUMNS = ("id", "name", "slug", "colour", "sort_order")
_ENROLLMENT_COLUMNS = ("id", "enrolled_at", "completed_at")
_MODULE_PAGE_COLUMNS = ("id", "title", "slug", "url_path", "path", "depth", "live")
_MODULE_COLUMNS = ("intro", "estimated_minutes", "required", "quiz_id")
_QUIZ_COLUMNS = (
    "id",
    "title",
    "slug",
    "draft",
    "archived",
    "single_attempt",
    "max_attempts",
    "pass_mark",
)


def _columns(alias: str, names: tuple[str, ...]) -> str:
    return ", ".join(f"{alias}.{name}" for name in names)


@functools.cache
def _learner_outline_sql() -> str:
    page = Page._meta.db_table
    return f"""
        SELECT {_columns("cp", _COURSE_COLUMNS[:-1])}, c.track_id,
               {_columns("t", _TRACK_COLUMNS)},
               {_columns("e", _ENROLLMENT_COLUMNS)},
               {_columns("p", _MODULE_PAGE_COLUMNS)},
               {_columns("m", _MODULE_COLUMNS)},
               mc.completed_at,
               {_columns("q", _QUIZ_COLUMNS)},
               {_columns("s", SITTING_TOTALS_COLUMNS)}
        FROM {page} cp
        INNER JOIN {CoursePage._meta.db_table} c ON c.page_ptr_id = cp.id
        INNER JOIN {Track._meta.db_table} t ON t.id = c.track_id
        LEFT JOIN {Enrollment._meta.db_table} e ON e.course_id = cp.id AND e.user_id = %s
        LEFT JOIN (
            {page} p INNER JOIN {ModulePage._meta.db_table} m ON m.page_ptr_id = p.id
        ) ON p.live AND p.depth = %s AND p.path > %s AND p.path <= %s
        LEFT JOIN {ModuleCompletion._meta.db_table} mc ON mc.module_id = p.id AND mc.user_id = %s
        LEFT JOIN {Quiz._meta.db_table} q ON q.id = m.quiz_id
        LEFT JOIN ({SITTING_TOTALS_SQL}) s ON s.quiz_id = m.quiz_id
        WHERE cp.path = %s
        ORDER BY p.path
    """


def _converters(model: type[Model], names: tuple[str, ...]) -> list:
    """The database's converters for these columns, as the ORM applies them (SQLite
    returns datetimes as naive text, for one)."""
    result = []
    for name in names:
        field = model._meta.get_field(name)  # a name or an attname ("quiz_id")
        col = field.get_col(model._meta.db_table)
        result.append(connection.ops.get_db_converters(col) + field.get_db_converters(connection))
    return result


def _convert(values, converters) -> list:
    out = []
    for value, functions in zip(values, converters, strict=True):
        for function in functions:
            value = function(value, None, connection)
        out.append(value)
    return out


@functools.cache
def _outline_converters() -> tuple[list, list, list]:
    return (
        _converters(Enrollment, _ENROLLMENT_COLUMNS),
        _converters(ModuleCompletion, ("completed_at",)),
        _converters(ModulePage, _MODULE_COLUMNS),
    )


def _instance(model: type[Model], values: dict):
    """A model instance from some of its columns (the others deferred), as the ORM's
    `only()` builds it; `from_db` takes the values in the order of the model's fields."""
    ordered = [values.get(field.attname, DEFERRED) for field in model._meta.concrete_fields]
    return model.from_db(connection.alias, list(values), ordered)


@dataclass
class _Outline:
    course: CoursePage
    enrollment: Enrollment | None
    modules: list[ModulePage]
    quiz_states: dict[int, QuizState]


def _learner_outline(
    *, course_path: str, user: User, course: CoursePage | None = None
) -> _Outline | None:
    """The course at `course_path` as this learner sees it, in one query (see
    `_learner_outline_sql`); None if there is no course there. `course`, when the caller
    has it already, is used instead of the row's copy."""
    user_id = user.pk if user.is_authenticated else None
    # The children of the course: one step deeper, in the range of the tree paths that
    # start with the course's (an index range, where a SUBSTR() test read every page).
    children = (course_path, course_path + "Z" * ModulePage.steplen)
    params = [user_id, len(course_path) // ModulePage.steplen + 1, *children]
    params += [user_id, user_id, course_path]
    with connection.cursor() as cursor:
        cursor.execute(_learner_outline_sql(), params)
        rows = cursor.fetchall()
    if not rows:
        return None
    enrollment_converters, completion_converters, module_converters = _outline_converters()
    first = rows[0]
    n_course, n_track, n_enrol = len(_COURSE_COLUMNS), len(_TRACK_COLUMNS), 3
    if course is None:
        course = _instance(
            CoursePage, {**dict(zip(_COURSE_COLUMNS, first, strict=False)), "page_ptr_id": first[0]}
        )
        course.track = _instance(
            Track, dict(zip(_TRACK_COLUMNS, first[n_course : n_course + n_track], strict=True))
        )
    at = n_course + n_track
    enrollment = None
    if first[at] is not None:
        enrollment = _instance(
            Enrollment,
            {
                **dict(
                    zip(
                        _ENROLLMENT_COLUMNS,
                        _convert(first[at : at + n_enrol], enrollment_converters),
                        strict=True,
                    )
                ),
                "user_id": user_id,
                "course_id": course.pk,
            },
        )
        enrollment.course = course
    at += n_enrol
    modules: list[ModulePage] = []
    quizzes: dict[int, Quiz] = {}
    states: dict[int, QuizState] = {}
    n_page, n_module, n_quiz = len(_MODULE_PAGE_COLUMNS), len(_MODULE_COLUMNS), len(_QUIZ_COLUMNS)
    for row in rows:
        page = row[at : at + n_page]
        if page[0] is None:  # the course's one row when it has no live module
            continue
        fields = _convert(row[at + n_page : at + n_page + n_module], module_converters)
        module = _instance(
            ModulePage,
            {
                **dict(zip(_MODULE_PAGE_COLUMNS, page, strict=True)),
                "page_ptr_id": page[0],
                **dict(zip(_MODULE_COLUMNS, fields, strict=True)),
            },
        )
        tail = at + n_page + n_module
        (module.completed_at,) = _convert(row[tail : tail + 1], completion_converters)
        quiz_values = row[tail + 1 : tail + 1 + n_quiz]
        if module.quiz_id is not None:
            quiz = quizzes.get(module.quiz_id)
            if quiz is None:
                quiz = quizzes[module.quiz_id] = _instance(
                    Quiz, dict(zip(_QUIZ_COLUMNS, quiz_values, strict=True))
                )
                totals = row[tail + 1 + n_quiz :]
                states[quiz.pk] = quiz_state_of(
                    quiz=quiz,
                    totals=None
                    if totals[0] is None
                    else dict(zip(SITTING_TOTALS_COLUMNS, totals, strict=True)),
                )
            module.quiz = quiz
        modules.append(module)
    return _Outline(course=course, enrollment=enrollment, modules=modules, quiz_states=states)


def _progress_from_outline(*, outline: _Outline, user: User) -> CourseProgress:
    return _progress(
        course=outline.course,
        user=user,
        enrollment=outline.enrollment,
        modules=outline.modules,
        quizzes=outline.quiz_states,
    )


def course_progress(*, course: CoursePage, user: User) -> CourseProgress:
    """The learner's progress in the course; one query (and, for a learner who has not
    started it, the guidelines to accept first: `missing_guidelines`)."""
    outline = _learner_outline(course_path=course.path, user=user, course=course)
    return _progress_from_outline(outline=outline, user=user)


class ModuleUrls:
    """The URLs of a course's modules as {% pageurl %} gives them, from the course's URL
    (built once) and each module's slug: a module is always a child of its course, so its
    URL path is the course's plus its slug. Wagtail's get_url per module was a tenth of
    the course page's time."""

    def __init__(self, *, course: CoursePage, request: HttpRequest | None) -> None:
        self.request = request
        self.course_url = course.get_url(request=request)

    def of(self, module: ModulePage) -> str | None:
        if self.course_url is None or not self.course_url.endswith("/"):
            return module.get_url(request=self.request)  # not routable, or no slashes
        return f"{self.course_url}{module.slug}/"

    def catalog_url(self, course: CoursePage) -> str:
        """The course's parent, the catalog: the course's URL without the slug."""
        return self.course_url[: -(len(course.slug) + 1)]


# Queries every course page runs, compiled once per process (lms.core.compiled).
_course_queries = CompiledQueries("courses")
_ID = BigIntegerField()


def _departments_of(*, course_id: int) -> QuerySet[Department]:
    return Department.objects.filter(recommended_courses=course_id)


def target_departments(*, course: CoursePage) -> list[Department]:
    """The departments the course is recommended to, as `course.target_departments.all()`
    gives them (by name), in one compiled query. A page whose departments were set in
    memory and not saved (a preview) gives those."""
    if "target_departments" in getattr(course, "_cluster_related_objects", {}):
        return list(course.target_departments.all())
    return _course_queries.run(
        "target-departments", _departments_of, params={"course_id": (_ID, course.pk)}
    )


def catalog_url(*, course: CoursePage, request: HttpRequest | None) -> str:
    """The course's parent, the catalog: its URL is the course's without the slug (with
    the request, Wagtail reads the site's root paths once per request, not per URL)."""
    return course.get_url(request=request)[: -(len(course.slug) + 1)]


def missing_for_course(*, user: User, course: CoursePage) -> list[GuidelinePage]:
    """Required documents the learner has not accepted in their current version."""
    required = list(course.required_guidelines.live())
    if not required or not user.is_authenticated:
        return []
    states = {state.document.pk: state for state in document_states(user=user)}
    return [
        document
        for document in required
        if document.pk in states and states[document.pk].is_outstanding
    ]


def guidelines_blocking_start(*, course: CoursePage, user: User) -> list:
    """Documents a learner who has not started the course must accept first."""
    if not user.is_authenticated:
        return []
    if Enrollment.objects.filter(user=user, course=course).exists():
        return []
    return missing_for_course(user=user, course=course)


def guidelines_awaited_by_pass(*, sitting: Sitting) -> tuple[CoursePage, list] | None:
    """The course of the module a passed attempt was taken from and the documents the
    learner must accept before the pass counts there; None if nothing is waiting."""
    module = sitting.module
    if not (sitting.passed and module and module.live and module.quiz_id == sitting.quiz_id):
        return None
    if ModuleCompletion.objects.filter(user_id=sitting.user_id, module=module).exists():
        return None
    course = course_of(module=module)
    missing = guidelines_blocking_start(course=course, user=sitting.user)
    return (course, missing) if missing else None


def course_of(*, module: ModulePage) -> CoursePage:
    """The course a module lives in: modules may only be children of a course."""
    return CoursePage.objects.select_related("track").get(path=module.path[: -module.steplen])


def course_progress_of_module(*, module: ModulePage, user: User) -> CourseProgress:
    """Progress in the course a module belongs to, with the course, in one query; for a
    learner who has not started it, with the guidelines to accept first
    (`missing_guidelines`)."""
    outline = _learner_outline(course_path=module.path[: -module.steplen], user=user)
    return _progress_from_outline(outline=outline, user=user)


def module_view(
    *, module: ModulePage, user: User, progress: CourseProgress | None = None
) -> ModuleView:
    """The module in its course: outline, progress and neighbours. `progress` may come
    from the learner cache (lms.core.learner_cache); it is read fresh otherwise."""
    if progress is None:
        progress = course_progress_of_module(module=module, user=user)
    modules = [state.module for state in progress.modules]
    index = next((i for i, candidate in enumerate(modules) if candidate.pk == module.pk), None)
    if index is None:
        # Not among the live modules (a preview of a draft): shown on its own.
        state = ModuleState(module=module, completed_at=None, position=len(modules) + 1)
        return ModuleView(
            module=module,
            course=progress.course,
            progress=progress,
            state=state,
            previous=modules[-1] if modules else None,
            next=None,
        )
    return ModuleView(
        module=module,
        course=progress.course,
        progress=progress,
        state=progress.modules[index],
        previous=modules[index - 1] if index > 0 else None,
        next=modules[index + 1] if index + 1 < len(modules) else None,
    )


def _summary(
    *, enrollment: Enrollment, modules: list[tuple[str, str, bool, bool]]
) -> CourseSummary:
    """Progress as on the course page: required modules count (all if none is required);
    the next module is the first open counted one, else the first open one."""
    counted = [module for module in modules if module[2]] or modules
    done = sum(1 for module in counted if module[3])
    open_modules = [module for module in counted if not module[3]] or [
        module for module in modules if not module[3]
    ]
    next_module = (
        NextModule(slug=open_modules[0][0], title=open_modules[0][1]) if open_modules else None
    )
    return CourseSummary(
        course=enrollment.course,
        enrollment=enrollment,
        percent=round(100 * done / len(counted)) if counted else 0,
        next_module=next_module,
    )


def learner_dashboard(*, user: User) -> Dashboard:
    """Every enrolled course with its progress, in three queries whatever the numbers."""
    enrollments = list(
        Enrollment.objects.filter(user=user, course__live=True)
        .select_related("course", "course__track")
        .only(*DASHBOARD_ENROLLMENT_FIELDS)
        .order_by("-enrolled_at")
    )
    courses = [enrollment.course for enrollment in enrollments]
    modules_by_course: dict[str, list[tuple[str, str, bool, bool]]] = {
        course.path: [] for course in courses
    }
    if courses:
        rows = (
            _live_modules_under(list(modules_by_course))
            .annotate(completed_at=_completed_at(user))
            .order_by("path")
            .values_list("path", "slug", "title", "required", "completed_at")
        )
        for path, slug, title, required, completed_at in rows:
            modules_by_course[path[: -ModulePage.steplen]].append(
                (slug, title, required, completed_at is not None)
            )

    dashboard = Dashboard()
    for enrollment in enrollments:
        summary = _summary(enrollment=enrollment, modules=modules_by_course[enrollment.course.path])
        if summary.is_completed:
            dashboard.completed.append(summary)
        else:
            dashboard.in_progress.append(summary)
    dashboard.completed.sort(key=lambda progress: progress.enrollment.completed_at, reverse=True)
    dashboard.recommended = recommended_courses(
        user=user, exclude_ids=[course.pk for course in courses]
    )
    return dashboard


def recommended_courses(*, user: User, exclude_ids: list[int]) -> list[CoursePage]:
    if not user.department_id:
        return []
    return list(
        with_cover_images(
            CoursePage.objects.live()
            .filter(target_departments=user.department_id)
            .exclude(pk__in=exclude_ids)
            .select_related("track")
            .order_by("track__sort_order", "title")
        )
    )


def with_durations(queryset: QuerySet[CoursePage]) -> QuerySet[CoursePage]:
    """Courses with `module_count` and `total_minutes` summed from their live modules,
    as the course page counts them (a draft module adds nothing); two subqueries."""
    parent_path = Substr("path", 1, Length("path") - ModulePage.steplen)
    modules = (
        ModulePage.objects.live()
        .annotate(parent_path=parent_path)
        .filter(parent_path=OuterRef("path"))
        .order_by()
        .values("parent_path")
    )
    return queryset.annotate(
        module_count=Coalesce(
            Subquery(modules.annotate(n=Count("pk")).values("n")[:1]),
            0,
            output_field=IntegerField(),
        ),
        total_minutes=Coalesce(
            Subquery(modules.annotate(m=Sum("estimated_minutes")).values("m")[:1]),
            0,
            output_field=IntegerField(),
        ),
    )


def with_cover_images(queryset: QuerySet[CoursePage]) -> QuerySet[CoursePage]:
    images = get_image_model().objects.prefetch_renditions(COVER_RENDITION)
    return with_durations(queryset).prefetch_related(Prefetch("cover_image", queryset=images))


def catalog_courses(*, catalog: CourseIndexPage, filters: dict) -> QuerySet[CoursePage]:
    courses = (
        CoursePage.objects.live()
        .child_of(catalog)
        .select_related("track")
        .prefetch_related("target_departments")
        .order_by("track__sort_order", "title")
    )
    if filters.get("track"):
        courses = courses.filter(track=filters["track"])
    if filters.get("department"):
        courses = courses.filter(target_departments=filters["department"])
    return with_cover_images(courses)


# The dashboard from one query of the learner's rows (lms.core.learner_rows) and the
# course content, which a process may keep under the content token
# (lms.core.content_version): see home/dashboard.py.

ENROLMENT_ROW = "enrolment"
COMPLETION_ROW = "completion"

COURSE_LINK_FIELDS = (*PAGE_LINK_FIELDS, "track__name", "track__colour")


@dataclass(frozen=True)
class CourseContent:
    """What the dashboard shows of the courses, the same for every learner."""

    courses: dict[int, CoursePage]  # every course: title, URL, live, track
    # Live modules of each live course in tree order: (id, slug, title, required).
    modules: dict[int, list[tuple[int, str, str, bool]]]
    # Live courses recommended to each department, as recommended_courses() orders them.
    recommended: dict[int, list[CoursePage]]


def course_content() -> CourseContent:
    """Every course with its live modules and the recommendations of every department
    (four queries with the cover images, whatever the number of learners)."""
    courses = {
        course.pk: course
        for course in CoursePage.objects.select_related("track").only(*COURSE_LINK_FIELDS)
    }
    by_path = {course.path: course.pk for course in courses.values() if course.live}
    modules: dict[int, list[tuple[int, str, str, bool]]] = {pk: [] for pk in by_path.values()}
    if by_path:
        for path, pk, slug, title, required in (
            _live_modules_under(list(by_path))
            .order_by("path")
            .values_list("path", "pk", "slug", "title", "required")
        ):
            modules[by_path[path[: -ModulePage.steplen]]].append((pk, slug, title, required))
    targeted = list(
        with_cover_images(
            CoursePage.objects.live()
            .filter(target_departments__isnull=False)
            .distinct()
            .select_related("track")
            .order_by("track__sort_order", "title")
        )
    )
    departments: dict[int, set[int]] = {}
    for course_id, department_id in CoursePage.target_departments.through.objects.filter(
        coursepage__in=[course.pk for course in targeted]
    ).values_list("coursepage_id", "department_id"):
        departments.setdefault(department_id, set()).add(course_id)
    recommended = {
        department_id: [course for course in targeted if course.pk in course_ids]
        for department_id, course_ids in departments.items()
    }
    return CourseContent(courses=courses, modules=modules, recommended=recommended)


def learner_course_rows(*, user_id: int) -> list[QuerySet]:
    """The learner's enrolments and module completions as rows for one UNION query."""
    return [
        learner_rows.rows(
            Enrollment.objects.filter(user_id=user_id),
            kind=ENROLMENT_ROW,
            pk="pk",
            page="course_id",
            at="enrolled_at",
            until="completed_at",
        ),
        # One row of all the learner's completed module ids (none without a completion).
        learner_rows.rows(
            ModuleCompletion.objects.filter(user_id=user_id).values("user_id"),
            kind=COMPLETION_ROW,
            text=learner_rows.IdList("module_id"),
        ),
    ]


def enrolments_from_rows(rows: list[learner_rows.LearnerRow]) -> list[Enrollment]:
    """The enrolments among the rows, newest first, as unsaved-looking instances."""
    enrolments = [
        Enrollment(pk=row.pk, course_id=row.page, enrolled_at=row.at, completed_at=row.until)
        for row in rows
        if row.kind == ENROLMENT_ROW
    ]
    enrolments.sort(key=lambda enrolment: enrolment.enrolled_at, reverse=True)
    return enrolments


def completed_from_rows(rows: list[learner_rows.LearnerRow]) -> set[int]:
    """The ids of the modules the learner completed, from their rows."""
    return next(
        (learner_rows.id_set(row.text) for row in rows if row.kind == COMPLETION_ROW), set()
    )


def dashboard_from_rows(
    *,
    rows: list[learner_rows.LearnerRow],
    content: CourseContent,
    user: User,
    enrolments: list[Enrollment] | None = None,
) -> Dashboard:
    """learner_dashboard(), built from the learner's rows and the course content;
    `enrolments`: enrolments_from_rows(rows), if the caller has built them already."""
    completed = completed_from_rows(rows)
    dashboard = Dashboard()
    enrolled: list[int] = []
    if enrolments is None:
        enrolments = enrolments_from_rows(rows)
    for enrolment in enrolments:
        course = content.courses.get(enrolment.course_id)
        if course is None or not course.live:
            continue
        enrolled.append(course.pk)
        enrolment.course = course
        summary = _summary(
            enrollment=enrolment,
            modules=[
                (slug, title, required, pk in completed)
                for pk, slug, title, required in content.modules.get(course.pk, [])
            ],
        )
        if summary.is_completed:
            dashboard.completed.append(summary)
        else:
            dashboard.in_progress.append(summary)
    dashboard.completed.sort(key=lambda progress: progress.enrollment.completed_at, reverse=True)
    if user.department_id:
        taken = set(enrolled)
        dashboard.recommended = [
            course
            for course in content.recommended.get(user.department_id, [])
            if course.pk not in taken
        ]
    return dashboard


def course_standings(
    *, user_ids: list[int], course_ids: list[int]
) -> dict[tuple[int, int], datetime | None]:
    """(learner id, course id) → when the learner completed the course (None: enrolled, not
    completed yet) for every enrolment of these learners in these courses; a pair that is
    missing is a course not started. One query, whatever the numbers.

    Complete means what the dashboard and the rollout count: the enrolment's completion
    time, set once when every required module is done (services.complete_module)."""
    if not user_ids or not course_ids:
        return {}
    return {
        (user_id, course_id): completed_at
        for user_id, course_id, completed_at in Enrollment.objects.filter(
            user_id__in=user_ids, course_id__in=course_ids
        )
        .order_by()
        .values_list("user_id", "course_id", "completed_at")
    }
