"""Settings shared by every environment; dev, test and production override them."""

import json
import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# A key that is fine on a laptop and refused by production settings.
DEVELOPMENT_SECRET_KEY = "django-insecure-bootcamp-lms-development-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "lms.core",
    "lms.people",
    "lms.sso",
    "lms.scim",
    "lms.demo",
    "lms.quizzes",
    "lms.guidelines",
    "lms.assignments",
    "lms.notifications",
    "lms.reminders",
    "lms.rollout",
    "lms.award",
    "lms.stories",
    "lms.kpis",
    "courses",
    "lms.workshops",
    "lms.programmes",
    "home",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "lms.people.apps.LmsUsersAppConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    # Wagtail's API tokens (Settings › API tokens) and django-ninja, which the KPI API
    # (lms/kpis/api.py) runs on; "ninja" serves the Swagger UI's files from static/.
    # Wagtail's own v3 API is not mounted (lms/urls.py).
    "wagtail.api.v3",
    "ninja",
    # Content-Security-Policy header (lms/core/security.py picks the admin's or the site's policy).
    "csp",
    # The tasks framework (backport of Django 6's django.tasks; Wagtail 8 uses it too).
    # "django_tasks" has no models and adds the system checks for the TASKS setting.
    # "django_tasks_db" is installed in every environment, not only when its backend is
    # selected: its migrations only create its own result table, so the schema is the
    # same everywhere, switching TASKS_BACKEND needs no extra migrate, and
    # `makemigrations --check` gives the same answer whatever the environment says.
    "django_tasks",
    "django_tasks_db",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Sign-in lockouts (see AXES_* below).
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lms.core.security.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Before the session is read: a cookie with NUL is no cookie (lms/core/input_safety.py).
    "lms.core.input_safety.IgnoreMalformedCookiesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lms.people.middleware.UserLanguageMiddleware",
    # Guests (customers in a bootcamp) reach only what the apps opened to them: 404 else.
    "lms.people.middleware.GuestAccessMiddleware",
    # 400 for NUL, lone surrogates and non-UTF-8 bytes, in the visitor's language.
    "lms.core.input_safety.MalformedInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into a 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lms.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "lms.guidelines.context_processors.outstanding_guidelines",
                "lms.notifications.context_processors.unread_notifications",
                "lms.sso.context_processors.company_sign_in",
            ],
        },
    },
]

WSGI_APPLICATION = "lms.wsgi.application"
ASGI_APPLICATION = "lms.asgi.application"

# SQLite needs no setup; WAL lets readers work while one request writes, and the
# busy timeout makes a second writer wait instead of failing with "database is locked".
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def tune_postgresql(config: dict) -> dict:
    """PostgreSQL's JIT compiles any query its planner costs high, which here are
    report queries of 20-80 ms: compiling took 10-30 ms and saved less (measured with
    the bench at 10,000 employees). An `options` from the URL is kept."""
    if "postgresql" in config.get("ENGINE", ""):
        options = config.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return config


if os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": tune_postgresql(
            dj_database_url.parse(
                os.environ["DATABASE_URL"],
                conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
                conn_health_checks=True,
            )
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": SQLITE_OPTIONS,
        }
    }

# Redis is the shared cache when several app servers run; one process can use memory.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "bootcamp"),
        }
    }
    # Sessions read from Redis, written to both: one query less on every signed-in page.
    # Not with a memory cache per process: another process would still find a session
    # that was logged out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Learners' pages cached per learner (lms/core/learner_cache.py): only with a cache that
# every app process shares, or one process would show a learner's state from before
# their last action that another process handled. LMS_LEARNER_CACHE=1/0 overrides.
LMS_LEARNER_CACHE = os.environ.get(
    "LMS_LEARNER_CACHE", "1" if os.environ.get("REDIS_URL") else "0"
) in {"1", "true", "yes"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
# django-axes' backend first: it refuses a locked-out sign-in before any password is
# checked, and authenticates nobody itself (it has no get_user, so sessions always name
# the backend below). Then Django's model backend, loading the request's user with
# department and roles at once.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "lms.people.backends.RoleAwareModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"


def env_mapping(name: str) -> dict[str, str]:
    """A name → name mapping from the environment, as a JSON object
    (``{"LMS Trainers": "Trainers"}``) or as pairs (``LMS Trainers=Trainers,lms-managers=Managers``,
    also separated by semicolons; a name may hold spaces, and "=" only in the key)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return {}
    if value.startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError as error:
            raise ImproperlyConfigured(f"{name} is not a valid JSON object: {error}") from None
        if not isinstance(parsed, dict) or not all(
            isinstance(key, str) and isinstance(item, str) for key, item in parsed.items()
        ):
            raise ImproperlyConfigured(
                f'{name} must map names to names, e.g. {{"LMS Trainers": "Trainers"}}'
            )
        return parsed
    pairs = {}
    for item in value.replace(";", ",").split(","):
        if not item.strip():
            continue
        key, sep, target = item.rpartition("=")
        if not sep or not key.strip() or not target.strip():
            raise ImproperlyConfigured(f"{name}: {item.strip()!r} is not of the form name=value")
        pairs[key.strip()] = target.strip()
    return pairs


# Single sign-on with OpenID Connect (lms/sso, README "Company sign-in and provisioning"):
# on when OIDC_ISSUER and OIDC_CLIENT_ID are set. Authorization code flow with PKCE
# (mozilla-django-oidc); the endpoints come from the issuer's discovery document unless
# set one by one (OIDC_OP_AUTHORIZATION_ENDPOINT, _TOKEN_, _USER_, _JWKS_, _LOGOUT_).
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "")
OIDC_DISCOVERY_URL = os.environ.get("OIDC_DISCOVERY_URL", "")
OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_OP_LOGOUT_ENDPOINT = os.environ.get("OIDC_OP_LOGOUT_ENDPOINT", "")
# The client secret in an Authorization header (client_secret_basic) instead of the token
# request's body (client_secret_post, the default); some providers accept only one.
OIDC_TOKEN_USE_BASIC_AUTH = env_bool("OIDC_TOKEN_USE_BASIC_AUTH", False)
# Seconds to wait for the provider's answers (discovery, token, keys, userinfo).
OIDC_TIMEOUT = float(os.environ.get("OIDC_TIMEOUT", "10"))
# Which claim fills which field (lms/sso/claims.py), e.g. "employee_id=employeeid".
LMS_OIDC_CLAIMS = env_mapping("LMS_OIDC_CLAIMS")
# Directory group (name or id, as the groups claim sends it) → role, e.g.
# "LMS Trainers=Trainers,LMS Managers=Managers". The roles named here follow the
# directory at every sign-in; other roles are left as they are.
LMS_OIDC_GROUP_ROLES = env_mapping("LMS_OIDC_GROUP_ROLES")
# Local passwords (site and admin). Off: only the usernames in LMS_PASSWORD_LOGIN_USERS
# (the break-glass admin) sign in, reset or change a password; everyone else signs in with
# the company account.
LMS_PASSWORD_LOGIN = env_bool("LMS_PASSWORD_LOGIN", True)
LMS_PASSWORD_LOGIN_USERS = env_list("LMS_PASSWORD_LOGIN_USERS", [])
# The admin's own password reset and change follow: with local passwords off, the
# break-glass admin resets and changes theirs on the site (/accounts/password/...).
WAGTAIL_PASSWORD_RESET_ENABLED = LMS_PASSWORD_LOGIN
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = LMS_PASSWORD_LOGIN

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in lockouts (django-axes, lms/people/lockouts.py) for the site's and the admin's
# login. Failures are counted in the database, so every gunicorn worker and app server
# sees the same count. An account is locked per username *and* client address: by
# username alone anyone could lock a colleague out on purpose, by address alone one
# person's typos would lock out a whole office behind one NAT address. After
# LOGIN_FAILURE_LIMIT failures in a row (each within LOGIN_LOCKOUT_MINUTES of the one
# before), that username is refused from that address for LOGIN_LOCKOUT_MINUTES after
# the last failure, even with the right password; attempts while locked do not extend
# it. A successful sign-in clears the count. Admins unlock early under Settings ›
# Sign-in lockouts, or with `manage.py axes_reset_username NAME`.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "lms.core.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "lms.people.lockouts.lockout_response"
AXES_USERNAME_CALLABLE = "lms.people.lockouts.sign_in_username"
# Only failed attempts are stored (and deleted after the cool-off); a log of every
# successful sign-in would be a record of employees' working times.
AXES_DISABLE_ACCESS_LOG = True
# The project has no Django admin; lockouts are managed in the Wagtail admin.
AXES_ENABLE_ADMIN = False
WAGTAILADMIN_USER_LOGIN_FORM = "lms.people.forms.AdminLoginForm"

# Behind a load balancer, the number of proxies of ours that append to X-Forwarded-For;
# 0 (the default) takes the client address from the connection (lms/core/throttling.py).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "bootcamp@localhost")

# The page editor of a long module easily passes Django's default of 1000 fields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Background tasks. "immediate" (the default, for development and tests) runs a task
# in-process the moment it is enqueued. "database" stores tasks in the database
# (django-tasks-db) and needs a worker: `python manage.py db_worker`. Wagtail's own
# tasks (search and reference index updates) use the same backend, so with "database"
# the worker must always run.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate").strip().lower()
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be one of {', '.join(sorted(_TASK_BACKENDS))}, not {TASKS_BACKEND!r}."
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}

# Reminder emails (lms/reminders): how many days before the due date the
# "due soon" reminder goes out.
REMINDER_DAYS_BEFORE_DUE = int(os.environ.get("REMINDER_DAYS_BEFORE_DUE", "3"))


def env_rate(name: str, default: str) -> str:
    """A request rate such as "10/10m": a count per period (s, m, h or d, with a factor)."""
    value = os.environ.get(name, default).strip()
    if not re.fullmatch(r"[1-9]\d*/(?:[1-9]\d*)?[smhd]", value):
        raise ImproperlyConfigured(
            f"{name} must look like 60/m or 10/10m (count/period; s, m, h or d), not {value!r}."
        )
    return value


# The KPI API (lms/rollout/api.py) answers 429 with Retry-After: to a client address
# whose requests named an unknown or deactivated token more than API_FAILED_AUTH_RATE
# times (then to all its requests, so that guessing learns nothing), and to a valid
# token sending more than API_TOKEN_RATE requests. Counted in the cache (lms/core/throttling.py):
# shared with Redis; per process with the memory cache.
API_FAILED_AUTH_RATE = env_rate("API_FAILED_AUTH_RATE", "10/10m")
API_TOKEN_RATE = env_rate("API_TOKEN_RATE", "60/m")
# SCIM (/scim/v2/, lms/scim/views.py) shares API_FAILED_AUTH_RATE per client address; a SCIM
# token may send SCIM_TOKEN_RATE requests (a directory's first sync of a large company sends
# thousands in a row, one per person and group membership).
SCIM_TOKEN_RATE = env_rate("SCIM_TOKEN_RATE", "3000/m")


# Which directory groups (SCIM Groups, by displayName, whatever the case) stand for a role
# (a group of lms/people/roles.py); every other directory group is a department of its
# name. E.g. LMS_SCIM_GROUP_ROLES='{"LMS Trainers": "Trainers", "LMS Managers": "Managers"}'.
LMS_SCIM_GROUP_ROLES = env_mapping("LMS_SCIM_GROUP_ROLES")

WAGTAIL_SITE_NAME = "Bootcamp LMS"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_I18N_ENABLED = False
# The end of an approval workflow records the approval a guideline revision needs to go
# live, then publishes as Wagtail does (lms.guidelines.workflows).
WAGTAIL_FINISH_WORKFLOW_ACTION = "lms.guidelines.workflows.finish_workflow"
# The admin speaks the account language (User.language, see lms/people/services.py), so
# Wagtail's account settings offer only the languages the site has.
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# Every download goes through Wagtail's serve view, so the login check in
# lms/people/wagtail_hooks.py and the collections' privacy settings apply; never a link
# straight to the file in MEDIA_ROOT.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# On an intranet the admin calls no outside host: no Gravatar images (they would send a
# hash of each e-mail address out, and show as broken images here), no check for new
# Wagtail releases, no "What's new" banner pointing at wagtail.org. The help links to
# guide.wagtail.org are removed (lms/people/wagtail_hooks.py, templates/wagtailadmin/).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False


# Video embeds are stored as URLs. Wagtail's default finder would fetch each one's player
# HTML from the video host's oEmbed endpoint, from the server: on an intranet that hangs
# and then refuses the block. lms/core/embeds.py builds the player from the URL alone (YouTube
# via youtube-nocookie.com, Vimeo, video files on the site or on INTRANET_VIDEO_HOSTS) and
# makes no outside call. WAGTAILEMBEDS_OEMBED=true adds Wagtail's oEmbed finder after it,
# for other providers, on a server that may reach the internet.
def env_origins(name: str) -> list[str]:
    """A comma-separated list of http(s) origins (scheme://host[:port], nothing more)."""
    origins = []
    for item in env_list(name, []):
        match = re.fullmatch(
            r"(https?)://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?/?", item
        )
        if not match:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not an origin such as https://video.firma.internal"
            )
        origins.append(item.rstrip("/").lower())
    return origins


INTRANET_VIDEO_HOSTS = env_origins("INTRANET_VIDEO_HOSTS")
WAGTAILEMBEDS_OEMBED = env_bool("WAGTAILEMBEDS_OEMBED", False)
WAGTAILEMBEDS_FINDERS = [{"class": "lms.core.embeds.IntranetVideoFinder"}]
if WAGTAILEMBEDS_OEMBED:
    WAGTAILEMBEDS_FINDERS.append({"class": "wagtail.embeds.finders.oembed"})
# Wagtail's responsive wrapper is a style="" attribute, which the CSP below forbids;
# static/css/site.css gives embedded players their 16:9 shape instead.
WAGTAILEMBEDS_RESPONSIVE_HTML = False

# Content-Security-Policy (django-csp; lms/core/security.py). The site's own pages run no inline
# script or style at all: everything is in static/. Frames only for the video players the
# embed finder produces (lms.core.embeds.PLAYER_ORIGINS), plus www.youtube.com, whose player
# oEmbed returns, when that is on; CSP_FRAME_HOSTS adds more (e.g. an intranet video
# server's player). Video files (<video>) from the site and INTRANET_VIDEO_HOSTS.
VIDEO_PLAYER_HOSTS = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]
if WAGTAILEMBEDS_OEMBED:
    VIDEO_PLAYER_HOSTS.append("https://www.youtube.com")
CSP_FRAME_HOSTS = list(dict.fromkeys([*VIDEO_PLAYER_HOSTS, *env_list("CSP_FRAME_HOSTS", [])]))
_CSP_COMMON = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF],
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "media-src": [SELF, *INTRANET_VIDEO_HOSTS],
    "frame-src": [SELF, *CSP_FRAME_HOSTS],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [SELF],
}
CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_COMMON}
# The Wagtail admin (everything under /admin/, including page previews) as strict as
# Wagtail 8 allows. Each relaxation, and why it is still needed:
# - script-src-elem 'unsafe-inline': Wagtail renders inline <script> blocks that start its
#   widgets (chooser widgets, InlinePanel and MultipleChooserPanel, the date and time
#   pickers), and its modal dialogs (choosers) run the inline scripts of the HTML they
#   load. None of them carries a nonce, and their content differs per field, so neither a
#   nonce nor a hash can allow them. Inline event handlers (script-src-attr) and eval()
#   stay forbidden.
# - style-src-elem and style-src-attr 'unsafe-inline': style="" attributes in Wagtail's
#   templates and the markup its scripts insert (e.g. the focal point chooser), and the
#   <style> elements that libraries in its vendor.js add while the page editor runs (their
#   content varies, so no hash). Stylesheets from other hosts stay forbidden.
# - img-src blob:: previews of images chosen for upload, before they are sent.
ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        **_CSP_COMMON,
        "script-src": [SELF],
        "script-src-elem": [SELF, UNSAFE_INLINE],
        "script-src-attr": [NONE],
        "style-src": [SELF],
        "style-src-elem": [SELF, UNSAFE_INLINE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
    }
}

# Permissions-Policy (django-permissions-policy): no page asks for the camera, microphone,
# location, payment or other device APIs, and no embedded frame may either. Only video
# players may go full screen or picture-in-picture.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "bluetooth": [],
    "browsing-topics": [],
    "camera": [],
    "display-capture": [],
    "encrypted-media": [],
    "fullscreen": ["self", *CSP_FRAME_HOSTS],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "idle-detection": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "picture-in-picture": ["self", *CSP_FRAME_HOSTS],
    "publickey-credentials-get": [],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Every task run and page publish is logged at INFO; that drowns command output.
    # django-axes logs its start and every check at INFO, failed sign-ins at WARNING.
    "loggers": {
        name: {"level": os.environ.get("LIBRARY_LOG_LEVEL", "WARNING")}
        for name in ("django_tasks", "django.tasks", "wagtail", "axes")
    },
}
