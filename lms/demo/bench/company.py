"""The shape of the synthetic company: its scale, and the fixed names by which the
measurement finds the people and pages that generation made."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# Progress lines for the person running the bench (the command prints them).
Progress = Callable[[str], None]


def no_progress(line: str) -> None:
    pass


# Usernames of the people the measured requests are made as.
CEO = "bench-ceo"
ADMIN = "bench-admin"
FOCUS_MANAGER = "bench-manager"
LEARNER = "bench-learner"
GUIDELINE_SLUG = "benchmark-guidelines"
COURSE_SLUG = "bench-course-{:02d}"
QUIZ_SLUG = "bench-quiz-{:02d}"


@dataclass(frozen=True)
class Scale:
    """How big the synthetic company is; everything follows from the headcount."""

    employees: int
    departments: int
    courses: int
    modules_per_course: int
    focus_reports: int
    sittings: int
    # How many departments are a head and `focus_reports` people: the team view is timed
    # for their heads, drawn at random.
    focus_teams: int = 1
    signoff_share: float = 0.8
    assignments_per_employee: int = 2

    @classmethod
    def for_employees(cls, employees: int) -> Scale:
        if employees < 20:
            raise ValueError("The bench needs at least 20 employees.")
        departments = 20 if employees >= 200 else max(2, min(20, employees // 10))
        return cls(
            employees=employees,
            departments=departments,
            courses=max(2, min(40, employees // 250)),
            modules_per_course=10,
            # The manager whose team view is measured: 200 reports from 1,000 employees up.
            focus_reports=min(200, (employees - 1) // 3),
            focus_teams=5 if employees >= 5_000 else 1,
            sittings=employees * 20,
        )

    @property
    def expected_users(self) -> int:
        return self.employees + 1  # the bench admin has no department
