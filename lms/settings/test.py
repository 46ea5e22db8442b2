import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES

# A file, not SQLite's shared in-memory database: that one locks whole tables and
# ignores the busy timeout, so concurrency tests would not see production behaviour.
# One file per test process, so parallel runs (two checkouts, CI) never share it.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"bootcamp-lms-test-{os.getpid()}.sqlite3")
    }

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / ".test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"
# Tasks run in-process even if the shell exports TASKS_BACKEND=database for a worker.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Memory cache as in development; tests/conftest.py clears it before every test, since
# cached values would otherwise outlive each test's database rollback.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
