"""A worker warms itself up before its first request (lms/wsgi.py, lms/asgi.py).

Left to itself, a fresh process pays on its first request for everything Django and
Wagtail load lazily: the URL patterns and their reverse map, the translation catalogues,
every template it renders (parsed and compiled once per process by the cached loader) and
the content types. On this machine that made a learner's first page after a (re)start
cost 10–17 times a warm one. `warm_up` does that work at start-up instead, once per
process, so that no learner's request pays for it (see the bench's "cold ×" column).

It never fails a start: a database that is not there yet (before `migrate`) or a
template that does not compile is the first request's to report, as before.
"""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings

logger = logging.getLogger(__name__)

TEMPLATE_SUFFIXES = (".html", ".txt")


def _project_template_names() -> list[str]:
    """Templates of the project and of its own apps (not of Django's or Wagtail's)."""
    base = Path(settings.BASE_DIR).resolve()
    directories = [Path(path) for engine in settings.TEMPLATES for path in engine["DIRS"]]
    directories += [
        Path(config.path) / "templates"
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base)
        and ".venv" not in Path(config.path).parts
    ]
    names: set[str] = set()
    for directory in directories:
        if directory.is_dir():
            names.update(
                path.relative_to(directory).as_posix()
                for path in directory.rglob("*")
                if path.suffix in TEMPLATE_SUFFIXES
            )
    return sorted(names)


def warm_up() -> dict[str, float]:
    """Load what the first request would; returns seconds per step (for logs and tests)."""
    from django.db import DatabaseError, connections
    from django.template import TemplateSyntaxError, engines
    from django.urls import get_resolver
    from django.utils import translation

    steps: dict[str, float] = {}

    def step(name: str, started: float) -> None:
        steps[name] = round(time.perf_counter() - started, 3)

    started = time.perf_counter()
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018  (imports every URLconf and view module)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            resolver.reverse_dict  # noqa: B018
    step("urls", started)

    started = time.perf_counter()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            translation.gettext("Dashboard")
    step("translations", started)

    started = time.perf_counter()
    engine = engines["django"]
    for name in _project_template_names():
        try:
            engine.get_template(name)
        except (TemplateSyntaxError, LookupError, OSError) as error:
            logger.warning("Start-up: template %s did not load: %s", name, error)
    # Wagtail's and Django's own templates that every page or form of ours uses.
    for name in ("wagtailcore/shared/richtext.html", "django/forms/default.html"):
        with contextlib.suppress(Exception):  # optional: a version without it
            engine.get_template(name)
    step("templates", started)

    started = time.perf_counter()
    opened_here = [alias for alias in connections if connections[alias].connection is None]
    try:
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.get_for_models(*apps.get_models())
    except DatabaseError as error:
        logger.info("Start-up: content types not loaded (%s)", error)
    finally:
        # A connection opened here must not be shared with the requests of another
        # thread or a forked worker.
        for alias in opened_here:
            connections[alias].close()
    step("content_types", started)
    return steps
