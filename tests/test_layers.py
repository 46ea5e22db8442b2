"""The layers (docs/architecture.md): a lower layer tells the layers above it what changed
without importing them, and every app has its place in the layer contract."""

import re
import tomllib
from datetime import timedelta
from itertools import count

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import timezone

from courses import services as course_services
from courses.models import Enrollment
from lms.assignments import services as assignment_services
from lms.assignments.models import Assignment
from lms.core import learner_cache
from lms.core.changes import data_changed, rows_changed
from lms.guidelines import selectors as guideline_selectors
from lms.guidelines import services as guideline_services
from lms.quizzes.models import Sitting
from lms.rollout.cache import data_version
from lms.workshops.models import Booking
from tests import factories

pytestmark = pytest.mark.django_db


def layer_modules() -> set[str]:
    config = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers"]
    return {
        name.strip().strip("()")
        for layer in contract["layers"]
        for name in re.split(r"[|:]", layer)
    }


def test_every_project_app_has_a_layer():
    """A new app must be placed in the contract, or `make lint` would not check it."""
    ours = {
        config.name
        for config in apps.get_app_configs()
        if config.name.split(".")[0] in {"lms", "courses", "home"}
    }
    assert ours
    assert ours - layer_modules() == set()


class TestDataChanged:
    @pytest.fixture
    def received(self):
        senders = []

        def listener(sender, **kwargs):
            senders.append(sender)

        data_changed.connect(listener, weak=False, dispatch_uid="test-layers-listener")
        yield senders
        data_changed.disconnect(dispatch_uid="test-layers-listener")

    def test_listeners_hear_of_a_change_only_once_it_is_committed(
        self, received, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            rows_changed(Enrollment)
            assert received == []
        assert received == [Enrollment]

    def test_bulk_assignments_reach_the_rollout_board_after_the_commit(
        self, received, employee, manager, course, django_capture_on_commit_callbacks
    ):
        employee.manager = manager
        employee.save()
        with django_capture_on_commit_callbacks() as callbacks:
            assignment_services.assign(
                assigned_by=manager,
                assignees=[employee],
                item=course,
                due_date=timezone.localdate() + timedelta(days=7),
            )
            before = data_version()  # bulk_create sends no model signal
        for callback in callbacks:
            callback()
        assert Assignment in received
        assert data_version() > before

    def test_a_completed_course_reaches_the_rollout_board_after_the_commit(
        self, received, employee, django_capture_on_commit_callbacks
    ):
        course = factories.course(modules=1)
        with django_capture_on_commit_callbacks(execute=True):
            course_services.complete_module(user=employee, module=factories.modules_of(course)[0])
        # The enrolment's completion is an update, which sends no model signal.
        assert Enrollment in received


class TestEveryAppRegistersItsLearnerData:
    """The learner cache knows no app: each app registers which writes concern a learner
    or the course content. A write that is not registered would leave a stale page."""

    @pytest.fixture(autouse=True)
    def learner_cache_on(self, settings):
        settings.LMS_LEARNER_CACHE = True

    computed = count(1)  # every computation gives a new value

    def probe(self, user):
        return lambda: learner_cache.remember(
            user=user, name="probe", compute=self.computed.__next__
        )

    def forgets(self, user, write) -> bool:
        read = self.probe(user)
        first = read()
        assert read() == first  # cached until a write concerns the learner
        write()
        return read() != first

    def test_learning_data(self, employee, course):
        module = factories.modules_of(course)[0]
        quiz = factories.quiz()
        workshop = factories.workshop(open_to_all=True)
        session = factories.session(workshop=workshop)
        document = factories.guideline()
        version = guideline_selectors.current_version(document=document)
        writes = {
            "enrolment": lambda: course_services.enrol(user=employee, course=course),
            "completion": lambda: course_services.complete_module(user=employee, module=module),
            "quiz attempt": lambda: Sitting.objects.create(user=employee, quiz=quiz),
            "booking": lambda: Booking.objects.create(
                session=session, workshop=workshop, user=employee
            ),
            "assignment": lambda: Assignment.objects.create(
                assignee=employee, course=course, due_date=timezone.localdate()
            ),
            "sign-off": lambda: guideline_services.sign(
                user=employee, document=document, version_id=version.pk
            ),
            "account": lambda: employee.save(),
        }
        stale = [name for name, write in writes.items() if not self.forgets(employee, write)]
        assert stale == []

    def test_course_content(self, employee, course):
        quiz = factories.quiz()
        track = factories.track()
        session = factories.session(workshop=factories.workshop(open_to_all=True))
        writes = {
            "quiz": quiz.save,
            "track": track.save,
            "session": session.save,
            "page publish": lambda: course.save_revision().publish(),
        }
        stale = [name for name, write in writes.items() if not self.forgets(employee, write)]
        assert stale == []
