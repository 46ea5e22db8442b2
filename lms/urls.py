from django.conf import settings
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from courses import urls as course_urls
from lms.assignments import urls as assignment_urls
from lms.award import urls as award_urls
from lms.guidelines import urls as guideline_urls
from lms.kpis.api import api as kpi_api
from lms.notifications import urls as notification_urls
from lms.people import guest_access
from lms.people import urls as people_urls
from lms.people import views as people_views
from lms.programmes import run_urls
from lms.quizzes import urls as quiz_urls
from lms.reminders import urls as reminder_urls
from lms.rollout import urls as rollout_urls
from lms.scim import urls as scim_urls
from lms.sso import urls as sso_urls
from lms.sso import views as sso_views
from lms.workshops import urls as workshop_urls

# Bad requests (e.g. too many form fields) get the same page as malformed input.
handler400 = "lms.core.input_safety.bad_request"

urlpatterns = [
    # Signing out of the site or the admin also ends a company sign-in at the provider
    # (lms/sso); before Wagtail's admin URLs, so that its own sign-out button comes here.
    path("admin/logout/", sso_views.logout, name="admin_logout"),
    path("accounts/logout/", sso_views.logout, name="logout"),
    # Before the admin's own: a leaver's reset link opens nothing there either.
    path(
        "admin/password_reset/confirm/<uidb64>/<token>/",
        people_views.AdminPasswordResetConfirmView.as_view(),
        name="wagtailadmin_password_reset_confirm",
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include(people_urls)),
    path("accounts/", include(sso_urls)),
    path("", include(notification_urls)),
    path("i18n/setlang/", people_views.set_language, name="set_language"),
    path("learn/", include(course_urls)),
    path("learn/", include(workshop_urls)),
    path("quizzes/", include(quiz_urls)),
    path("guidelines/", include(guideline_urls)),
    # Bootcamp runs; the programme index page is /bootcamps/ (a Wagtail page).
    path("bootcamps/runs/", include(run_urls)),
    path("team/", include(assignment_urls)),
    path("reminders/", include(reminder_urls)),
    path("rollout/award/", include(award_urls)),
    path("rollout/", include(rollout_urls)),
    # The KPI API (django-ninja): /api/kpis/, /api/openapi.json, /api/docs.
    path("api/", include(kpi_api.urls[0])),
    # SCIM 2.0 provisioning from the company directory (lms/scim/views.py).
    path("scim/v2/", include(scim_urls)),
]

if settings.DEBUG:
    from django.views.static import serve

    # Images and renditions straight from MEDIA_ROOT in development. Not documents: they
    # are served only through /documents/, which checks who asks (WAGTAILDOCS_SERVE_METHOD).
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?!documents/)(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
            name="media",
        )
    ]
    # Images are not internal to guests by themselves; a page that shows one is.
    guest_access.allow("media")

# Wagtail serves every page path, so it must stay last.
urlpatterns += [path("", include(wagtail_urls))]
