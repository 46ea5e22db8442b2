"""Create the demo bootcamp. Every step looks before it writes, so a second run changes nothing."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime, time, timedelta
from io import BytesIO

from django.contrib.auth.models import Group
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from wagtail.images import get_image_model

from courses.models import CourseIndexPage, CoursePage, ModulePage, Track
from home.models import HomePage
from lms.demo import content
from lms.demo.activity import RolloutDemo
from lms.demo.covers import cover_png
from lms.guidelines.models import GuidelineIndexPage, GuidelinePage
from lms.guidelines.services import publish_initial_text
from lms.people import roles
from lms.people.models import Department, User
from lms.programmes.models import ProgrammeIndexPage, ProgrammeItem, ProgrammePage
from lms.quizzes.models import Answer, Question, Quiz, QuizQuestion
from lms.quizzes.models import Category as QuizCategory
from lms.workshops.models import WorkshopIndexPage, WorkshopPage, WorkshopSession

DEMO_PASSWORD = "bootcamp-demo"

DEMO_USERS = [
    # username, first name, last name, department slug, groups, manager username
    ("admin", "Alex", "Admin", None, [roles.ADMINS, roles.GUIDELINE_APPROVERS], None),
    ("trainer", "Tanja", "Trainer", "marketing", [roles.TRAINERS, roles.EMPLOYEES], None),
    ("manager", "Markus", "Manager", "sales", [roles.MANAGERS, roles.EMPLOYEES], None),
    ("employee", "Emma", "Beispiel", "sales", [roles.EMPLOYEES], "manager"),
]
# Colleagues, so that reports and the rollout board show a department, not one person.
# They share the demo password but are not advertised as logins.
DEMO_COLLEAGUES = [
    ("c.reuter", "Claudia", "Reuter", "leadership", [roles.MANAGERS, roles.LEADERSHIP], None),
    ("j.keller", "Jonas", "Keller", "sales", [roles.EMPLOYEES], "manager"),
    ("m.vogt", "Miriam", "Vogt", "sales", [roles.EMPLOYEES], "manager"),
    ("b.wagner", "Ben", "Wagner", "sales", [roles.EMPLOYEES], "manager"),
    ("n.krueger", "Nadine", "Krüger", "marketing", [roles.MANAGERS, roles.EMPLOYEES], "c.reuter"),
    ("s.braun", "Sophie", "Braun", "marketing", [roles.EMPLOYEES], "n.krueger"),
    ("k.yilmaz", "Kerem", "Yılmaz", "hr", [roles.MANAGERS, roles.EMPLOYEES], "c.reuter"),
    ("a.fischer", "Anna", "Fischer", "hr", [roles.EMPLOYEES], "k.yilmaz"),
]

HOME_INTRO = (
    "<p>Social Media ist keine Aufgabe für eine einzelne Person mehr. In diesem Bootcamp "
    "lernen Vertrieb, Marketing, HR und Führungskräfte in kurzen Modulen, wie sie "
    "Social Media für ihre eigenen Ziele nutzen – im eigenen Tempo.</p>"
)

PROGRAMME = {
    "title": "Social-Media-Bootcamp",
    "slug": "social-media-bootcamp",
    "intro": (
        "<p>Der Weg durch das Bootcamp: die Kernkurse der vier Lernpfade, der "
        "LinkedIn-Workshop und zum Schluss das Quiz zu den Social-Media-Guidelines.</p>"
    ),
    "workshop": "linkedin-workshop-fuehrungskraefte",
    "quiz": "quiz-social-media-guidelines",
}
# The tracks whose course every participant takes; the others' are optional.
PROGRAMME_CORE = {"social-selling", "storytelling"}

Report = Callable[[str], None]


class DemoSeeder:
    def __init__(self, *, report: Report, create_users: bool) -> None:
        self.report = report
        self.create_users = create_users
        self.created: Counter[str] = Counter()
        self.existing: Counter[str] = Counter()

    def _count(self, kind: str, created: bool) -> None:
        (self.created if created else self.existing)[kind] += 1

    @transaction.atomic
    def run(self) -> None:
        self.report("Departments …")
        departments = self.seed_departments()
        if self.create_users:
            self.report("Demo users …")
            self.seed_users(departments)
        self.report("Tracks …")
        tracks = self.seed_tracks()
        self.report("Home page …")
        home = self.seed_home()
        catalog = self.seed_catalog(home)
        self.report("Guidelines …")
        documents = self.seed_guidelines(departments)
        self.report("Workshops …")
        self.seed_workshops(departments, tracks)
        for data in content.courses():
            self.report(f"Course “{data['title']}” …")
            self.seed_course(catalog, data, tracks, departments)
            self.require_guidelines(data, documents)
            if data.get("quiz"):
                self.seed_quiz(data, tracks[data["track"]])
        self.report("Programme “Social-Media-Bootcamp” …")
        self.seed_programme()
        self.report("Success stories …")
        RolloutDemo(seeder=self, departments=departments).seed_evidence_tracks()
        RolloutDemo(seeder=self, departments=departments).seed_stories()
        RolloutDemo(seeder=self, departments=departments).seed_award_rules()
        if self.create_users:
            self.report("Rollout history and learning activity …")
            RolloutDemo(seeder=self, departments=departments).seed_activity()

    def seed_departments(self) -> dict[str, Department]:
        departments = {}
        for name, slug in content.DEPARTMENTS:
            department, created = Department.objects.get_or_create(
                slug=slug, defaults={"name": name}
            )
            self._count("departments", created)
            departments[slug] = department
        return departments

    def seed_users(self, departments: dict[str, Department]) -> None:
        for username, first, last, department_slug, group_names, manager_name in (
            DEMO_USERS + DEMO_COLLEAGUES
        ):
            user = User.objects.filter(username=username).first()
            self._count("users", user is None)
            if user is not None:
                continue
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@example.com",
                department=departments.get(department_slug),
                manager=User.objects.filter(username=manager_name).first()
                if manager_name
                else None,
                is_superuser=username == "admin",
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.set(Group.objects.filter(name__in=group_names))

    def seed_tracks(self) -> dict[str, Track]:
        tracks = {}
        for order, data in enumerate(content.TRACKS, start=1):
            track, created = Track.objects.get_or_create(
                slug=data["slug"],
                defaults={
                    "name": data["name"],
                    "colour": data["colour"],
                    "description": data["description"],
                    "sort_order": order,
                },
            )
            self._count("tracks", created)
            tracks[track.slug] = track
        return tracks

    def seed_home(self) -> HomePage:
        home = HomePage.objects.first()
        if home is None:
            raise RuntimeError(
                "No home page found. Run `python manage.py migrate` first: its data "
                "migration creates the home page and the course catalog."
            )
        if not home.intro:
            home.intro = HOME_INTRO
            home.save_revision().publish()
            self._count("home page texts", True)
        return home

    def seed_catalog(self, home: HomePage) -> CourseIndexPage:
        catalog = CourseIndexPage.objects.first()
        if catalog is None:
            catalog = CourseIndexPage(title="Kurse", slug="kurse")
            home.add_child(instance=catalog)
            catalog.save_revision().publish()
            self._count("catalog pages", True)
        return catalog

    def cover_image(self, *, title: str, track: Track):
        Image = get_image_model()
        image = Image.objects.filter(title=f"Cover: {title}").first()
        self._count("cover images", image is None)
        if image is None:
            png = cover_png(title=title, subtitle=track.name, colour=track.colour)
            image = Image(title=f"Cover: {title}")
            image.file = ImageFile(BytesIO(png), name=f"cover-{track.slug}.png")
            image.save()
        return image

    def seed_course(self, catalog, data, tracks, departments) -> None:
        course = CoursePage.objects.child_of(catalog).filter(slug=data["slug"]).first()
        self._count("courses", course is None)
        if course is not None:
            return
        track = tracks[data["track"]]
        course = CoursePage(
            title=data["title"],
            slug=data["slug"],
            track=track,
            summary=data["summary"],
            learning_objectives=json.dumps(
                [{"type": "objective", "value": text} for text in data["learning_objectives"]]
            ),
            cover_image=self.cover_image(title=data["title"], track=track),
        )
        catalog.add_child(instance=course)
        course.target_departments.set([departments[slug] for slug in data["target_departments"]])
        course.save_revision().publish()
        for module_data in data["modules"]:
            module = ModulePage(
                title=module_data["title"],
                slug=module_data["slug"],
                intro=module_data.get("intro", ""),
                estimated_minutes=module_data["estimated_minutes"],
                required=module_data.get("required", True),
                body=json.dumps(module_data["body"]),
            )
            course.add_child(instance=module)
            module.save_revision().publish()
            self._count("modules", True)

    def seed_guidelines(self, departments) -> dict[str, GuidelinePage]:
        index = GuidelineIndexPage.objects.first()
        if index is None:
            raise RuntimeError("No guideline index page: run `python manage.py migrate` first.")
        data = content.load("guidelines.json")
        documents = {}
        for spec in data["documents"]:
            document = GuidelinePage.objects.child_of(index).filter(slug=spec["slug"]).first()
            self._count("guideline documents", document is None)
            if document is None:
                document = GuidelinePage(
                    title=spec["title"],
                    slug=spec["slug"],
                    kind=spec["kind"],
                    summary=spec.get("summary", ""),
                    body=json.dumps(spec["body"]),
                    live=False,
                )
                if spec["kind"] == "guidelines":
                    document.quiz = self.build_quiz(
                        {
                            "title": "Verständnisfragen zu den Social-Media-Guidelines",
                            "slug": "quiz-social-media-guidelines",
                            "description": "Vier kurze Fragen vor der Bestätigung der Guidelines.",
                            "pass_mark": 75,
                            "questions": data["comprehension_questions"],
                        },
                        category_name="Richtlinien",
                        category_slug="richtlinien",
                    )
                index.add_child(instance=document)
                # The seed is the initial text, not a change to approve: the one documented
                # path around the approval workflow, recorded as a system approval.
                publish_initial_text(
                    document=document, note="Initial text installed by seed_bootcamp."
                )
            documents[spec["slug"]] = document
        return documents

    def seed_workshops(self, departments, tracks) -> None:
        index = WorkshopIndexPage.objects.first()
        if index is None:
            raise RuntimeError("No workshop index page: run `python manage.py migrate` first.")
        trainer = User.objects.filter(username="trainer").first()
        audiences = {
            "linkedin-workshop-fuehrungskraefte": ("linkedin-leaders", ["leadership"]),
            "urgency-workshop-social-selling": ("social-selling", ["sales"]),
        }
        for spec in content.load("workshops.json")["workshops"]:
            workshop = WorkshopPage.objects.child_of(index).filter(slug=spec["slug"]).first()
            self._count("workshops", workshop is None)
            if workshop is not None:
                continue
            track_slug, department_slugs = audiences.get(spec["slug"], (None, []))
            workshop = WorkshopPage(
                title=spec["title"],
                slug=spec["slug"],
                summary=spec["summary"],
                body=json.dumps(spec["body"]),
                duration_minutes=spec["duration_minutes"],
                trainer=trainer,
                track=tracks.get(track_slug),
            )
            index.add_child(instance=workshop)
            workshop.open_to_departments.set([departments[slug] for slug in department_slugs])
            workshop.save_revision().publish()
            today = timezone.localdate()
            for offset, location, online in (
                (10, "Schulungsraum 2, Hauptgebäude", ""),
                (24, "", "https://meet.example.com/bootcamp"),
            ):
                day = today + timedelta(days=offset)
                starts = timezone.make_aware(datetime.combine(day, time(9, 0)))
                WorkshopSession.objects.create(
                    workshop=workshop,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=spec["duration_minutes"]),
                    location=location,
                    online_url=online,
                    capacity=12,
                )
                self._count("workshop sessions", True)

    def seed_programme(self) -> None:
        """The bootcamp's learning path: the key course of each track, the LinkedIn
        workshop and the guidelines quiz as the final check."""
        index = ProgrammeIndexPage.objects.first()
        if index is None:
            raise RuntimeError("No programme index page: run `python manage.py migrate` first.")
        programme = ProgrammePage.objects.child_of(index).filter(slug=PROGRAMME["slug"]).first()
        self._count("programmes", programme is None)
        if programme is not None:
            return
        programme = ProgrammePage(
            title=PROGRAMME["title"], slug=PROGRAMME["slug"], intro=PROGRAMME["intro"]
        )
        items = [
            ProgrammeItem(
                course=CoursePage.objects.get(slug=data["slug"]),
                required=data["track"] in PROGRAMME_CORE,
            )
            for data in content.courses()
        ]
        items.append(
            ProgrammeItem(
                workshop=WorkshopPage.objects.get(slug=PROGRAMME["workshop"]),
                unlock=ProgrammeItem.Unlock.RUN_DAY,
                unlock_after_days=14,
            )
        )
        items.append(
            ProgrammeItem(
                quiz=Quiz.objects.get(slug=PROGRAMME["quiz"]),
                unlock=ProgrammeItem.Unlock.AFTER_PREVIOUS,
            )
        )
        for order, item in enumerate(items):
            item.sort_order = order
            programme.items.add(item)
        index.add_child(instance=programme)
        programme.save_revision().publish()

    def require_guidelines(self, data: dict, documents: dict[str, GuidelinePage]) -> None:
        if data["track"] != "social-selling":
            return
        course = CoursePage.objects.get(slug=data["slug"])
        required = documents["social-media-guidelines"]
        if not course.required_guidelines.filter(pk=required.pk).exists():
            course.required_guidelines.add(required)
            course.save_revision().publish()
            self._count("course gates", True)

    def build_quiz(self, spec: dict, *, category_name: str, category_slug: str) -> Quiz:
        quiz = Quiz.objects.filter(slug=spec["slug"]).first()
        self._count("quizzes", quiz is None)
        if quiz is not None:
            return quiz
        category, _created = QuizCategory.objects.get_or_create(
            slug=category_slug, defaults={"name": category_name}
        )
        has_essay = any(item["type"] == "essay" for item in spec["questions"])
        quiz = Quiz.objects.create(
            title=spec["title"],
            slug=spec["slug"],
            description=spec.get("description", ""),
            category=category,
            pass_mark=spec.get("pass_mark", 60),
            success_text=spec.get("success_text", ""),
            fail_text=spec.get("fail_text", ""),
            exam_paper=has_essay,
        )
        self.add_questions(quiz, category, spec["questions"])
        return quiz

    def seed_quiz(self, data: dict, track: Track) -> None:
        spec = data["quiz"]
        quiz = self.build_quiz(spec, category_name=track.name, category_slug=track.slug)
        course = CoursePage.objects.get(slug=data["slug"])
        module = ModulePage.objects.child_of(course).filter(slug=spec["module"]).first()
        if module is not None and module.quiz_id is None:
            module.quiz = quiz
            module.save_revision().publish()
            self._count("quiz modules", True)

    def add_questions(self, quiz: Quiz, category: QuizCategory, questions: list[dict]) -> None:
        for order, item in enumerate(questions):
            question = Question.objects.create(
                kind=item["type"],
                content=item["text"],
                explanation=item.get("explanation", ""),
                category=category,
                answer_order=item.get("answer_order", Question.ORDER_NONE),
                correct_statement=item.get("correct") if item["type"] == "tf" else None,
            )
            for position, answer in enumerate(item.get("answers", [])):
                Answer.objects.create(
                    question=question,
                    content=answer["text"],
                    correct=answer["correct"],
                    sort_order=position,
                )
            QuizQuestion.objects.create(quiz=quiz, question=question, sort_order=order)

    def summary(self) -> str:
        kinds = sorted(set(self.created) | set(self.existing))
        parts = [
            f"{kind}: {self.created[kind]} created, {self.existing[kind]} already there"
            for kind in kinds
        ]
        return "; ".join(parts)
