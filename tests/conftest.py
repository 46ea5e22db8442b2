import pytest
from django.db.models.signals import post_delete, post_save
from django.template.base import Template
from django.test import Client
from django.test.utils import _TestState, instrumented_test_render
from modelsearch.index import get_indexed_models
from modelsearch.signal_handlers import post_delete_signal_handler, post_save_signal_handler
from wagtail.signal_handlers import reference_index_auto_update_disabled

from lms.people import roles
from tests import factories, schema_cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    from lms.core import content_version

    # A rolled-back test brings back the migrated content token: forget what this process
    # kept under it.
    cache.clear()
    content_version.forget()
    yield
    cache.clear()
    content_version.forget()


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_keepdb, django_db_createdb, django_db_modify_db_settings):
    """Start from the migrated SQLite database of an earlier run (tests/schema_cache.py)."""
    if django_db_keepdb or django_db_createdb or not schema_cache.applies():
        return django_db_keepdb
    key = schema_cache.digest()
    request.config.stash[_SCHEMA_KEY] = key
    return schema_cache.restore(_schema_folder(request), key)


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_keepdb):
    key = request.config.stash.get(_SCHEMA_KEY, None)
    if key is not None:
        if not django_db_keepdb:
            schema_cache.store(_schema_folder(request), key)
        yield
        if django_db_keepdb:  # pytest-django leaves a kept database behind
            schema_cache.remove_copy()
    else:
        yield


_SCHEMA_KEY = pytest.StashKey[str]()


def _schema_folder(request):
    return request.config.cache.mkdir("migrated-schema")


@pytest.fixture(autouse=True, scope="session")
def _lean_saves_and_renders(django_test_environment):
    """Three costs that no test reads, off for the session; together they were more than a
    third of the suite's time:

    - Wagtail's reference index ("used in" counts in the admin) is updated on every save of a
      page or snippet. A test that needs it asks for ``reference_index``.
    - The search index is updated on every save of a page or indexed snippet. A test that
      searches asks for ``search_index``.
    - Django's test environment copies every template context into each test client
      response. A test that reads ``response.context`` asks for ``response_context``; without
      it, ``response.context`` is None and the test fails, so none can pass by mistake.
    """
    reference_index_auto_update_disabled.value = True
    _search_index_updates(post_save.disconnect, post_delete.disconnect)
    Template._render = _TestState.saved_data.template_render
    yield
    Template._render = instrumented_test_render
    _search_index_updates(post_save.connect, post_delete.connect)
    del reference_index_auto_update_disabled.value


def _search_index_updates(on_save, on_delete):
    for model in get_indexed_models():
        on_save(post_save_signal_handler, sender=model)
        on_delete(post_delete_signal_handler, sender=model)


@pytest.fixture
def search_index():
    _search_index_updates(post_save.connect, post_delete.connect)
    yield
    _search_index_updates(post_save.disconnect, post_delete.disconnect)


@pytest.fixture
def reference_index():
    del reference_index_auto_update_disabled.value
    yield
    reference_index_auto_update_disabled.value = True


@pytest.fixture
def response_context():
    Template._render = instrumented_test_render
    yield
    Template._render = _TestState.saved_data.template_render


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
    """Long tests first, the bench command's test last.

    - ``runs_first`` marks the few tests that take seconds each (the hostile-input walk).
      Under pytest-xdist (make test) they start at once, one per worker, instead of ending
      up queued behind each other on one worker while the other has finished.
    - The bench command's test leaves the test database in a state that the serialized
      rollback of other transactional tests cannot restore (content type ids). Each worker
      has its own test database, and ``make test`` hands tests out one at a time in this
      order (``--maxschedchunk=1``), so the worker that gets it runs nothing after it.
    """
    items.sort(
        key=lambda item: (
            item.get_closest_marker("runs_last") is not None,
            item.get_closest_marker("runs_first") is None,
        )
    )
