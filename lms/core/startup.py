"""A worker warms itself up before its first request (lms/wsgi.py, lms/asgi.py).

Left to itself, a fresh process pays on its first request for everything Django and
Wagtail load lazily: the URL patterns and their reverse map, the translation catalogues,
every template it renders (parsed and compiled once per process by the cached loader),
the modules and regular expressions a request's path loads, the content types, and what
the apps keep per process or in the cache (the dashboard's course content, the published
guidelines, the compiled query of the request's user, the rollout board …). On this
machine that made a learner's first page after a (re)start cost up to 17 times a warm
one. `warm_up` does that work at start-up instead, once per process, so that no
learner's request pays for it (see the bench's "cold ×" column).

The apps above lms.core add their own steps from their `AppConfig.ready()` with
`register_warm_up(name, hook)`; a hook fills shared content caches only, never anything
of one user.

It never fails a start: a database that is not there yet (before `migrate`), a template
that does not compile or a hook that raises is logged and left to the first request to
report, as before.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path

from django.apps import apps
from django.conf import settings

logger = logging.getLogger(__name__)

TEMPLATE_SUFFIXES = (".html", ".txt")

# Wagtail's templates that our pages render for some users (the user bar of editors and
# admins), beyond those of our own apps.
LIBRARY_TEMPLATE_DIRECTORIES = ("wagtailadmin/userbar", "wagtailadmin/icons")
LIBRARY_TEMPLATES = (
    "wagtailcore/shared/richtext.html",
    "django/forms/default.html",
    "wagtailadmin/shared/icon.html",
    "wagtailadmin/shared/dialog/dialog.html",
    "wagtailadmin/logo.html",
)
# Reverse patterns compiled ahead at most (the re module keeps 512 compiled patterns).
MAX_REVERSE_PATTERNS = 300

WarmUpHook = Callable[[], object]
_hooks: dict[str, WarmUpHook] = {}


def register_warm_up(name: str, hook: WarmUpHook) -> None:
    """Run `hook()` in every worker's warm-up (call it from an AppConfig.ready()).

    The hook fills what the app keeps per process or in the shared cache for everyone
    (content, compiled queries), never anything of one user. It runs with the database
    at hand, in a transaction of its own that is rolled back if it raises; what it
    raises is logged and does not fail the start. A name registered again replaces the
    hook (a reloaded app).
    """
    _hooks[name] = hook


def registered_warm_ups() -> list[str]:
    return list(_hooks)


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
    # Wagtail's and Django's own templates that pages or forms of ours use.
    for name in _library_template_names():
        with contextlib.suppress(Exception):  # optional: a version without it
            engine.get_template(name)
    _run_safely(_load_form_templates)
    step("templates", started)

    started = time.perf_counter()
    for load in (_load_request_machinery, _compile_lazy_patterns):
        _run_safely(load)
    _run_safely(lambda: _compile_reverse_patterns(resolver))
    step("request_path", started)

    started = time.perf_counter()
    _run_safely(_load_model_options)
    step("models", started)

    started = time.perf_counter()
    opened_here = [alias for alias in connections if connections[alias].connection is None]
    try:
        try:
            from django.contrib.contenttypes.models import ContentType

            ContentType.objects.get_for_models(*apps.get_models())
            database_ready = True
        except DatabaseError as error:
            # Not there or not migrated yet: the apps' steps would fail one by one.
            logger.info("Start-up: content types and the apps' steps skipped (%s)", error)
            database_ready = False
        step("content_types", started)
        for name, hook in list(_hooks.items()) if database_ready else ():
            started = time.perf_counter()
            _run_hook(name, hook)
            step(name, started)
    finally:
        # A connection opened here must not be shared with the requests of another
        # thread or a forked worker.
        for alias in opened_here:
            connections[alias].close()
    started = time.perf_counter()
    settle_heap()
    step("heap", started)
    logger.info(
        "Start-up: warmed up in %.3f s (%s)",
        sum(steps.values()),
        ", ".join(f"{name} {seconds:.3f}" for name, seconds in steps.items()),
    )
    return steps


def settle_heap() -> None:
    """Collect once, then move everything alive to the collector's permanent generation
    (`gc.freeze`).

    What a worker has loaded by now (modules, URL patterns, compiled templates, the
    content caches) stays for the life of the process. Left in the collector's oldest
    generation, it is walked again by every full collection: about 220,000 objects, some
    0.2 s of CPU each time, paid by whichever request happens to cross the threshold (one
    in about forty team views of 200 people). Frozen, it is never walked again; what the
    requests themselves create is collected as before.
    """
    gc.collect()
    gc.freeze()


def _run_safely(load: Callable[[], None]) -> None:
    """A built-in step that needs no database: an error is logged, the start goes on."""
    try:
        load()
    except Exception:
        logger.warning("Start-up: %s failed", getattr(load, "__name__", load), exc_info=True)


def _run_hook(name: str, hook: WarmUpHook) -> None:
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic():
            hook()
    except DatabaseError as error:  # e.g. before `migrate`
        logger.info("Start-up: %s not warmed up (%s)", name, error)
    except Exception:
        logger.warning("Start-up: warm-up step %s failed", name, exc_info=True)


def _library_template_names() -> list[str]:
    from django.template.utils import get_app_template_dirs

    names = list(LIBRARY_TEMPLATES)
    for directory in get_app_template_dirs("templates"):
        for sub in LIBRARY_TEMPLATE_DIRECTORIES:
            folder = Path(directory) / sub
            if folder.is_dir():
                names += sorted(
                    path.relative_to(directory).as_posix()
                    for path in folder.iterdir()
                    if path.suffix in (".html", ".svg")
                )
    return names


def _load_model_options() -> None:
    """What the ORM works out once per model on its first query: managers, field maps,
    the relation tree, each field's column."""
    from django.db.models.options import Options
    from django.utils.functional import cached_property

    names = [name for name, value in vars(Options).items() if isinstance(value, cached_property)]
    for model in apps.get_models():
        options = model._meta
        for name in names:
            with contextlib.suppress(Exception):  # e.g. a swapped model's
                getattr(options, name)
        for field in options.concrete_fields:
            with contextlib.suppress(Exception):
                field.cached_col  # noqa: B018


def _load_form_templates() -> None:
    """Forms render their widgets through a template engine of their own (the form
    renderer's), built and filled on the first form a page shows."""
    import django.forms
    from django.forms.renderers import get_default_renderer

    renderer = get_default_renderer()
    directory = Path(django.forms.__file__).parent / "templates"
    for path in sorted((directory / "django" / "forms").rglob("*.html")):
        with contextlib.suppress(Exception):
            renderer.get_template(path.relative_to(directory).as_posix())


def _load_request_machinery() -> None:
    """What every request's path imports or builds on first use: the session, message
    and authentication back-ends, the context processors, the caches and the date
    formats of each language."""
    from importlib import import_module

    from django.contrib.auth import get_backends
    from django.core.cache import caches
    from django.template import engines
    from django.utils import dateformat, formats, timezone, translation
    from django.utils.module_loading import import_string

    import_module(settings.SESSION_ENGINE)
    import_string(settings.SESSION_SERIALIZER)
    import_string(settings.MESSAGE_STORAGE)
    get_backends()
    for engine in engines.all():
        with contextlib.suppress(AttributeError):  # a non-Django engine
            engine.engine.template_context_processors  # noqa: B018
    for alias in settings.CACHES:
        caches[alias]
    now = timezone.now()
    for language, _name in settings.LANGUAGES:
        translation.check_for_language(language)
        translation.get_supported_language_variant(language)
        with translation.override(language):
            formats.date_format(now, "DATETIME_FORMAT")
            formats.number_format(1234.5, 1)
            dateformat.format(now, "j. F Y")
    from django.utils.translation import trans_real

    trans_real.parse_accept_lang_header(",".join(code for code, _name in settings.LANGUAGES))


# Regular expressions Django compiles on first use (`_lazy_re_compile`) that every
# request's path meets: the host check, the signed cookie, the ORM's alias and ordering
# checks, the charset of a response, Vary/Cache-Control, the language of the request,
# date formats, the CSRF token. Named: forcing all of Django's costs ~0.2 s.
LAZY_PATTERNS = (
    ("django.http.request", "host_validation_re"),
    ("django.http.response", "_charset_from_content_type_re"),
    ("django.core.signing", "_SEP_UNSAFE"),
    ("django.db.models.sql.query", "FORBIDDEN_ALIAS_PATTERN"),
    ("django.db.models.sql.compiler", "SQLCompiler.ordering_parts"),
    ("django.utils.cache", "cc_delim_re"),
    ("django.utils.translation.trans_real", "accept_language_re"),
    ("django.utils.translation.trans_real", "language_code_re"),
    ("django.utils.translation.trans_real", "language_code_prefix_re"),
    ("django.utils.dateformat", "re_formatchars"),
    ("django.utils.dateformat", "re_escaped"),
    ("django.middleware.csrf", "invalid_token_chars_re"),
)


def _compile_lazy_patterns() -> None:
    from importlib import import_module

    for module_name, path in LAZY_PATTERNS:
        with contextlib.suppress(Exception):  # another Django version
            value: object = import_module(module_name)
            for attribute in path.split("."):
                value = getattr(value, attribute)
            value.pattern  # noqa: B018  (compiles it)


def _compile_reverse_patterns(resolver) -> None:
    """`reverse()` matches its result against a pattern it compiles on first use, per URL
    and language: those of the project's URLs (not the Wagtail admin's) ahead."""
    from django.urls import get_script_prefix
    from django.urls.resolvers import get_ns_resolver
    from django.utils import translation

    prefix = re.escape(get_script_prefix())
    compiled: set[str] = set()

    def compile_all(current) -> None:
        for key in list(current.reverse_dict):
            for _possibility, pattern, _defaults, _converters in current.reverse_dict.getlist(key):
                if len(compiled) >= MAX_REVERSE_PATTERNS:
                    return
                if pattern not in compiled:
                    re.compile(f"^{prefix}{pattern}")
                    compiled.add(pattern)

    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            compile_all(resolver)
            for namespace, (extra, sub) in list(resolver.namespace_dict.items()):
                if namespace.startswith("wagtail") or namespace == "admin":
                    continue
                compile_all(get_ns_resolver(extra, sub, tuple(sub.pattern.converters.items())))
