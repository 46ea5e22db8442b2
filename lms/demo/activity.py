"""Demo rollout data: success stories, past workshops, stage history and some learning,
so the rollout board shows Sales at stage 5 with the evidence that puts it there."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from courses.models import CoursePage, ModulePage, Track
from courses.services import complete_module
from lms.assignments.models import Assignment
from lms.award.models import AwardPeriod, AwardSettings, calendar_period
from lms.demo import content
from lms.guidelines.models import GuidelinePage
from lms.guidelines.selectors import current_version
from lms.guidelines.services import sign
from lms.kpis.models import KpiRecord
from lms.people.models import Department, User
from lms.rollout.models import (
    ChecklistTick,
    Criterion,
    DepartmentRollout,
    StageChange,
)
from lms.stories.models import SuccessStoryIndexPage, SuccessStoryPage
from lms.workshops.models import Booking, WorkshopPage, WorkshopSession

if TYPE_CHECKING:
    from lms.demo.seed import DemoSeeder

# Department slug → (current stage, days ago of each stage change so far).
STAGE_HISTORY = {
    "sales": (5, [75, 60, 42, 21]),
    "marketing": (3, [50, 18]),
    "hr": (2, [30]),
    "leadership": (4, [80, 64, 40]),
}


# The demo's tracks behind the evidence that counts a track (metric key → track slug).
EVIDENCE_TRACKS = {"managers_linkedin": "linkedin-leaders", "urgency_workshop": "social-selling"}


def link_evidence_tracks() -> int:
    """Give the stage criteria that count a track the demo's track, where none is chosen."""
    linked = 0
    for metric, slug in EVIDENCE_TRACKS.items():
        track = Track.objects.filter(slug=slug).first()
        if track is not None:
            linked += Criterion.objects.filter(metric=metric, track__isnull=True).update(
                track=track
            )
    return linked


def _at(days_ago: int, hour: int = 9) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


class RolloutDemo:
    def __init__(self, *, seeder: DemoSeeder, departments: dict[str, Department]) -> None:
        self.seeder = seeder
        self.departments = departments

    def seed_evidence_tracks(self) -> None:
        link_evidence_tracks()

    def seed_stories(self) -> None:
        index = SuccessStoryIndexPage.objects.first()
        if index is None:
            raise RuntimeError("No success story index page: run `python manage.py migrate` first.")
        for spec in content.load("success_stories.json")["stories"]:
            story = SuccessStoryPage.objects.child_of(index).filter(slug=spec["slug"]).first()
            self.seeder._count("success stories", story is None)
            if story is None:
                story = SuccessStoryPage(
                    title=spec["title"],
                    slug=spec["slug"],
                    teaser=spec["teaser"],
                    department=self.departments.get(spec["department"]),
                    body=json.dumps(spec["body"]),
                )
                index.add_child(instance=story)
                story.save_revision().publish()

    def seed_activity(self) -> None:
        admin = User.objects.filter(username="admin").first()
        if StageChange.objects.exists():
            self.seeder._count("stage histories", False)
            return
        self._past_workshops()
        self._learning()
        self._assignments()
        for slug, (stage, days) in STAGE_HISTORY.items():
            department = self.departments[slug]
            for number, days_ago in enumerate(days, start=1):
                StageChange.objects.create(
                    department=department,
                    from_stage=number,
                    to_stage=number + 1,
                    changed_by=admin,
                    changed_at=_at(days_ago, 16),
                    note="",
                )
            for criterion in Criterion.objects.filter(
                kind=Criterion.CHECKLIST, stage__number__lt=stage
            ):
                ChecklistTick.objects.get_or_create(
                    department=department,
                    criterion=criterion,
                    defaults={"ticked_by": admin, "note": "Protokoll im Team-Laufwerk"},
                )
            DepartmentRollout.objects.update_or_create(
                department=department,
                defaults={"stage": stage, "owner": self._owner(slug)},
            )
            self.seeder._count("stage histories", True)
        name, starts_on, ends_on = calendar_period(
            AwardSettings.PeriodLength.YEARLY, timezone.localdate()
        )
        if not AwardPeriod.objects.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
            AwardPeriod.objects.create(name=name, starts_on=starts_on, ends_on=ends_on)
        self._kpis()

    def seed_award_rules(self) -> None:
        """The award as the urgency workshop explains it: once a year, from the CRM's
        social selling leads alone, for Sales. Rules an admin has changed stay."""
        settings = AwardSettings.load()
        untouched = (
            settings.period_length == AwardSettings.PeriodLength.EXPLICIT
            and not settings.eligible_departments.exists()
        )
        self.seeder._count("award rules", untouched)
        if not untouched:
            return
        settings.period_length = AwardSettings.PeriodLength.YEARLY
        settings.points_per_lead = 10
        settings.points_per_module = settings.points_per_quiz = settings.points_per_workshop = 0
        settings.save()
        settings.eligible_departments.set([self.departments["sales"]])

    def _kpis(self) -> None:
        """Six months of KPIs for Marketing (reach) and HR (applications). Sales' leads come
        from the CRM import, which the demo leaves to the admin: the board then shows what
        an import adds, and the award ranks the leads imported for sellers."""
        month = timezone.localdate().replace(day=1)
        months = []
        for _step in range(6):
            months.insert(0, month)
            month = (month - timedelta(days=1)).replace(day=1)
        series = (
            ("marketing", KpiRecord.AWARENESS, [1800, 2100, 2050, 2600, 3100, 3400]),
            ("hr", KpiRecord.APPLICATIONS, [9, 11, 10, 14, 17, 21]),
        )
        for slug, metric, values in series:
            for month, value in zip(months, values, strict=True):
                KpiRecord.objects.get_or_create(
                    external_id=f"demo-{slug}-{metric}-{month:%Y-%m}",
                    defaults={
                        "department": self.departments[slug],
                        "month": month,
                        "metric": metric,
                        "value": value,
                        "source": "Demo",
                    },
                )

    def _owner(self, slug: str) -> User | None:
        owners = {
            "sales": "manager",
            "marketing": "n.krueger",
            "hr": "k.yilmaz",
            "leadership": "c.reuter",
        }
        return User.objects.filter(username=owners[slug]).first()

    def _past_session(self, workshop: WorkshopPage, days_ago: int) -> WorkshopSession:
        starts = _at(days_ago)
        return WorkshopSession.objects.create(
            workshop=workshop,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=workshop.duration_minutes),
            location="Schulungsraum 2, Hauptgebäude",
            capacity=20,
        )

    def _attend(self, session: WorkshopSession, usernames: list[str]) -> None:
        for user in User.objects.filter(username__in=usernames):
            Booking.objects.create(
                session=session,
                workshop=session.workshop,
                user=user,
                status=Booking.BOOKED,
                created_at=session.starts_at - timedelta(days=7),
                attended=True,
                attendance_marked_at=session.ends_at,
            )

    def _past_workshops(self) -> None:
        urgency = WorkshopPage.objects.filter(slug="urgency-workshop-social-selling").first()
        linkedin = WorkshopPage.objects.filter(slug="linkedin-workshop-fuehrungskraefte").first()
        if urgency:
            self._attend(
                self._past_session(urgency, 62),
                ["manager", "employee", "j.keller", "m.vogt", "b.wagner", "c.reuter"],
            )
            self._attend(self._past_session(urgency, 20), ["n.krueger", "s.braun"])
        if linkedin:
            self._attend(self._past_session(linkedin, 45), ["manager", "c.reuter", "n.krueger"])

    def _learning(self) -> None:
        """Sales colleagues accepted the guidelines on paper and are working through Social
        Selling; the demo `employee` is left to take it in the walkthrough."""
        admin = User.objects.filter(username="admin").first()
        guidelines = GuidelinePage.objects.live().filter(slug="social-media-guidelines").first()
        course = CoursePage.objects.filter(track__slug="social-selling").first()
        if admin is None or guidelines is None or course is None:
            return
        version = current_version(document=guidelines)
        modules = list(ModulePage.objects.live().child_of(course).filter(quiz__isnull=True))
        progress = {"j.keller": 3, "m.vogt": 2, "b.wagner": 1, "manager": 3}
        for user in User.objects.filter(username__in=progress):
            sign(
                user=user,
                document=guidelines,
                version_id=version.pk,
                recorded_by=admin,
                note="Papierformular aus dem Vertriebsmeeting",
            )
            for module in modules[: progress[user.username]]:
                complete_module(user=user, module=module)

    def _assignments(self) -> None:
        """What managers assigned weeks ago, so the team view's overdue filter shows something
        on a fresh install. Written as history: the assign form takes due dates from today on.

        Only overdue and completed items: the demo `manager` assigns Social Selling and the
        LinkedIn workshop in the walkthrough, and the `employee` starts with a clean slate."""
        storytelling = CoursePage.objects.filter(slug="storytelling-b2b").first()
        urgency = WorkshopPage.objects.filter(slug="urgency-workshop-social-selling").first()
        if storytelling is None or urgency is None:
            return
        today = timezone.localdate()
        # (assignee, item, assigned by, days since assigned, days until due: < 0 is overdue)
        plan = [
            ("m.vogt", storytelling, "manager", 30, -5),
            ("b.wagner", storytelling, "manager", 30, -2),
            ("s.braun", storytelling, "n.krueger", 21, -1),
            # Attended 62 days ago (_past_workshops): completed.
            ("j.keller", urgency, "manager", 70, -55),
            ("m.vogt", urgency, "manager", 70, -55),
        ]
        people = User.objects.in_bulk(
            {name for row in plan for name in (row[0], row[2])}, field_name="username"
        )
        for username, item, by, assigned_days_ago, due_in in plan:
            person = people.get(username)
            if person is None:
                continue
            field = "course" if isinstance(item, CoursePage) else "workshop"
            assignment, created = Assignment.objects.get_or_create(
                assignee=person,
                **{field: item},
                defaults={
                    "due_date": today + timedelta(days=due_in),
                    "assigned_by": people.get(by),
                    "note": "Bitte bis zum nächsten Teammeeting abschließen.",
                },
            )
            if created:
                Assignment.objects.filter(pk=assignment.pk).update(
                    created_at=_at(assigned_days_ago, 8)
                )
            self.seeder._count("assignments", created)


__all__ = ["RolloutDemo"]
