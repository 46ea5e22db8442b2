import pytest
from django.test import Client

from lms.people import roles
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_ui(settings):
    # Assertions below read English UI text; German is covered by its own tests.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def sales(db):
    return factories.department(name="Sales", slug="sales")


@pytest.fixture
def employee(db, sales):
    return factories.user(username="emma", department=sales, first_name="Emma")


@pytest.fixture
def manager(db, sales):
    return factories.user(
        username="mark", groups=(roles.MANAGERS, roles.EMPLOYEES), department=sales
    )


@pytest.fixture
def trainer(db):
    return factories.user(username="tina", groups=(roles.TRAINERS,))


@pytest.fixture
def course(db, sales):
    return factories.course(title="Social Selling Basics", departments=(sales,))


@pytest.fixture
def employee_client(employee) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(employee)
    return client


@pytest.fixture
def trainer_client(trainer) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(trainer)
    return client


@pytest.fixture
def client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def pytest_collection_modifyitems(items):
    """Run the bench command's test last: it leaves the test database in a state that the
    serialized rollback of other transactional tests cannot restore (content type ids).
    Under pytest-xdist (make test) each worker has its own test database, and the default
    "load" distribution hands the tests out in this order, so the worker that gets it runs it
    after all of its others."""
    items.sort(key=lambda item: item.get_closest_marker("runs_last") is not None)
