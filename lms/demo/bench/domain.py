"""Everything the bench uses from the LMS apps, imported in this one module.

The models it generates and counts, and the few services and selectors it calls.
When a model moves to another app, only the imports here change.
"""

from courses.models import (
    CourseIndexPage,
    CoursePage,
    Enrollment,
    ModuleCompletion,
    ModulePage,
    Track,
)
from courses.services import complete_module
from lms.assignments.models import Assignment
from lms.award.models import AwardPeriod, AwardSettings
from lms.award.points import rebuild as rebuild_award_points
from lms.demo.activity import link_evidence_tracks
from lms.guidelines.models import GuidelineIndexPage, GuidelinePage, GuidelineVersion, SignOff
from lms.guidelines.services import publish_initial_text
from lms.kpis.models import KpiRecord
from lms.notifications.kinds import Kind as NotificationKind
from lms.notifications.models import Notification
from lms.people import roles
from lms.people.models import Department, User
from lms.people.selectors import team_of
from lms.quizzes.models import (
    Answer,
    Category,
    CategoryProgress,
    Question,
    Quiz,
    QuizQuestion,
    Sitting,
    SittingAnswer,
)
from lms.rollout.cache import bump as bump_rollout_cache
from lms.rollout.models import (
    ChecklistTick,
    Criterion,
    DepartmentRollout,
    StageChange,
)
from lms.rollout.summary import rebuild as rebuild_rollout_summary
from lms.stories.models import SuccessStoryIndexPage, SuccessStoryPage
from lms.workshops.models import Booking, WorkshopIndexPage, WorkshopPage, WorkshopSession

__all__ = [
    "Answer",
    "Assignment",
    "AwardPeriod",
    "AwardSettings",
    "Booking",
    "Category",
    "CategoryProgress",
    "ChecklistTick",
    "CourseIndexPage",
    "CoursePage",
    "Criterion",
    "Department",
    "DepartmentRollout",
    "Enrollment",
    "GuidelineIndexPage",
    "GuidelinePage",
    "GuidelineVersion",
    "KpiRecord",
    "ModuleCompletion",
    "ModulePage",
    "Notification",
    "NotificationKind",
    "Question",
    "Quiz",
    "QuizQuestion",
    "SignOff",
    "Sitting",
    "SittingAnswer",
    "StageChange",
    "SuccessStoryIndexPage",
    "SuccessStoryPage",
    "Track",
    "User",
    "WorkshopIndexPage",
    "WorkshopPage",
    "WorkshopSession",
    "bump_rollout_cache",
    "complete_module",
    "link_evidence_tracks",
    "publish_initial_text",
    "rebuild_award_points",
    "rebuild_rollout_summary",
    "roles",
    "team_of",
]
