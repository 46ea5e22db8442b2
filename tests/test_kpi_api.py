"""The KPI API on Wagtail's API tokens: who may send, the old tokens, the schema and its docs.

tests/test_kpis.py covers the records, the import and the API's answers to the data;
tests/test_throttling.py the rate limits. Here: the permission, the integration tokens of
the previous release, the OpenAPI schema and the documentation page (and schemathesis
against the schema), the rollout board's cache, and what the migration moved.
"""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.staticfiles import finders
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from wagtail.models import APIToken

from lms.kpis.models import INTEGRATIONS_GROUP, SUBMIT_PERMISSION, IntegrationToken, KpiRecord
from lms.people import roles
from lms.rollout import cache as rollout_cache
from tests import factories

pytestmark = pytest.mark.django_db

TOKEN_URL = "/admin/kpis/tokens/new/"


def record(**fields) -> dict:
    return {
        "external_id": "crm-1",
        "department": "sales",
        "month": "2025-03",
        "metric": "leads",
        "value": 5,
        **fields,
    }


def post(raw: str, body=None, **extra):
    return Client(HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("api_kpis"),
        json.dumps([record()] if body is None else body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
        **extra,
    )


def legacy_token(name: str = "Old CRM", raw: str = "old-raw-token-1234567890", **fields):
    token = IntegrationToken.objects.create(
        name=name, token_hash=IntegrationToken.hash(raw), prefix=raw[:8], **fields
    )
    return token, raw


@pytest.fixture
def admin_client(db) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(factories.user(username="boss", groups=(roles.ADMINS,)))
    return client


# --- who may send -------------------------------------------------------------------------------


def test_a_service_user_in_the_integrations_group_may_send(sales):
    token, raw = factories.kpi_token(name="CRM")
    assert token.user.has_perm(SUBMIT_PERMISSION)

    response = post(raw)

    assert response.status_code == 200
    assert KpiRecord.objects.get().source == "CRM", "the token's name is the records' source"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_whose_user_lacks_the_permission_is_403(sales):
    admin = factories.user(username="boss", groups=(roles.ADMINS,))
    _token, raw = APIToken.create_token(user=admin, name="Personal")

    response = post(raw)

    assert response.status_code == 403
    assert response.json() == {"error": "This token's user may not send KPI records."}
    assert not KpiRecord.objects.exists()


def test_the_403_speaks_german(sales):
    _token, raw = APIToken.create_token(user=factories.user(), name="Personal")
    response = post(raw, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 403
    assert response.json()["error"] == "Der Benutzer dieses Tokens darf keine KPI-Daten senden."


def test_a_token_of_a_deactivated_user_is_403(sales):
    token, raw = factories.kpi_token()
    token.user.is_active = False
    token.user.save()

    response = post(raw)

    assert response.status_code == 403
    assert response.json() == {"error": "This token is unknown or has been deactivated."}
    assert not KpiRecord.objects.exists()


def test_the_permission_can_also_be_given_to_a_user_directly(sales):
    service = factories.user(username="hr-bot", groups=())
    service.user_permissions.add(
        Permission.objects.get(content_type__app_label="kpis", codename="submit_kpis")
    )
    _token, raw = APIToken.create_token(user=service, name="HR")
    assert post(raw).status_code == 200


def test_a_session_does_not_stand_in_for_a_token(sales):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(factories.user(username="bot", groups=(INTEGRATIONS_GROUP,)))
    response = client.post(reverse("api_kpis"), json.dumps([record()]), "application/json")
    assert response.status_code == 401
    assert not KpiRecord.objects.exists()


# --- the integration tokens of the previous release ---------------------------------------------


def test_an_old_integration_token_still_works(sales):
    token, raw = legacy_token()

    response = post(raw)

    assert response.status_code == 200
    assert response.json() == {"created": 1, "unchanged": 0}
    assert KpiRecord.objects.get().source == "Old CRM"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_deactivated_old_token_is_403(sales):
    _token, raw = legacy_token(active=False)
    response = post(raw)
    assert response.status_code == 403
    assert not KpiRecord.objects.exists()


def test_old_tokens_are_listed_and_can_be_deactivated_but_none_are_issued(admin_client):
    token, _raw = legacy_token()

    page = admin_client.get(TOKEN_URL).content.decode()

    assert "Integration tokens of the previous release" in page
    assert token.prefix in page
    url = reverse("rollout_kpi_legacy_token_deactivate", args=[token.pk])
    assert url in page
    assert admin_client.get(url)["Location"] == TOKEN_URL, "only by POST"
    token.refresh_from_db()
    assert token.active

    response = admin_client.post(url)

    assert response.status_code == 302
    token.refresh_from_db()
    assert not token.active
    assert url not in admin_client.get(TOKEN_URL).content.decode()


@pytest.mark.usefixtures("response_context")
def test_the_token_page_offers_only_service_users(admin_client):
    service = factories.user(username="crm-bot", groups=(INTEGRATIONS_GROUP,))
    factories.user(username="someone")

    form = admin_client.get(TOKEN_URL).context["form"]

    assert list(form.fields["user"].queryset) == [service]
    response = admin_client.post(
        TOKEN_URL, {"name": "CRM", "user": factories.user(username="other").pk}
    )
    assert response.context["form"].errors["user"]
    assert not APIToken.objects.exists()


def test_issued_tokens_show_in_wagtails_api_token_admin_with_an_audit_entry(admin_client):
    service = factories.user(username="crm-bot", groups=(INTEGRATIONS_GROUP,))
    admin_client.post(TOKEN_URL, {"name": "CRM", "user": service.pk})
    token = APIToken.objects.get()

    listing = admin_client.get("/admin/api-tokens/")

    assert listing.status_code == 200
    assert token.prefix in listing.content.decode()
    from wagtail.models import ModelLogEntry

    assert ModelLogEntry.objects.filter(action="wagtail.apitoken.create").count() == 1

    # Revoking on the KPI page is Wagtail's revocation, logged the same way.
    admin_client.post(reverse("rollout_kpi_token_deactivate", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ModelLogEntry.objects.filter(action="wagtail.apitoken.revoke").count() == 1


# --- what the migrations moved ------------------------------------------------------------------


def test_the_permissions_moved_with_the_models():
    assert not ContentType.objects.filter(app_label="rollout", model="kpirecord").exists()
    assert not ContentType.objects.filter(app_label="rollout", model="integrationtoken").exists()
    admins = Group.objects.get(name=roles.ADMINS)
    held = set(admins.permissions.values_list("content_type__app_label", "codename"))
    assert {("kpis", "add_kpirecord"), ("kpis", "change_kpirecord")} <= held
    assert ("wagtailcore", "add_apitoken") in held
    assert ("kpis", "submit_kpis") not in held, "people are no integrations"
    integrations = Group.objects.get(name=INTEGRATIONS_GROUP)
    assert list(integrations.permissions.values_list("codename", flat=True)) == ["submit_kpis"]


# --- the rollout board hears about imports ------------------------------------------------------


def test_an_api_import_invalidates_the_rollout_cache(sales, django_capture_on_commit_callbacks):
    _token, raw = factories.kpi_token()
    before = rollout_cache.data_version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert post(raw).status_code == 200
    assert callbacks, "told after the commit"
    assert rollout_cache.data_version() != before

    # Nothing stored, nothing to invalidate.
    before = rollout_cache.data_version()
    with django_capture_on_commit_callbacks(execute=True):
        assert post(raw).json() == {"created": 0, "unchanged": 1}
    assert rollout_cache.data_version() == before


# --- the schema and the documentation -----------------------------------------------------------


def test_the_openapi_schema_describes_the_endpoint():
    assert reverse("openapi-json") == "/api/openapi.json"
    response = Client().get("/api/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    operation = schema["paths"]["/api/kpis/"]["post"]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "413", "429"}
    assert operation["security"] == [{"KpiTokenAuth": []}]
    assert schema["components"]["securitySchemes"]["KpiTokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["oneOf"][0]["items"]["properties"]["metric"]["enum"] == [
        "awareness",
        "leads",
        "applications",
    ]
    assert list(schema["paths"]) == ["/api/kpis/"]


def test_the_docs_page_loads_nothing_from_other_hosts():
    assert reverse("openapi-view") == "/api/docs"
    response = Client().get("/api/docs")

    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert "/static/ninja/swagger-ui-bundle.js" in sources
    assert all(source.startswith("/static/") for source in sources), sources
    for source in sources:
        assert finders.find(source.removeprefix("/static/")), source
    settings = json.loads(re.search(r'id="swagger-settings">(.*?)</script>', page, re.S)[1])
    assert settings["url"] == "/api/openapi.json"
    assert settings["validatorUrl"] is None, "no validator badge from swagger.io"
    # The site's strict policy applies and suffices: no inline script runs.
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert not re.search(r"<script(?![^>]*\b(?:src|type=\"application/json\"))", page)


# --- schemathesis -------------------------------------------------------------------------------


@pytest.fixture
def in_process_wsgi():
    """As Django's test client does: the WSGI handler would otherwise close the test's
    database connection (and so its transaction) after every request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_every_operation_conforms_to_the_schema(settings, sales, employee, in_process_wsgi):
    """Generated requests (valid and invalid bodies) with a valid token: no 5xx, and every
    answer (status, content type, headers, body) is one the schema declares."""
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from lms.wsgi import application

    settings.API_TOKEN_RATE = "10000/m"
    _token, raw = factories.kpi_token()
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert [operation.path for operation in operations] == ["/api/kpis/"]
    statuses: set[int] = set()
    for operation in operations:
        check_operation(operation, raw, checks, statuses)
    # Generated departments and users do not exist, so a stored batch is sent as well.
    [operation] = operations
    for body in ([record(employee="emma")], {"records": [record(employee="emma")]}):
        case = operation.Case(body=body, media_type="application/json")
        response = case.call(headers={"Authorization": f"Bearer {raw}"})
        statuses.add(response.status_code)
        case.validate_response(response, checks=checks)
    assert {200, 400} <= statuses, statuses
    assert KpiRecord.objects.filter(external_id="crm-1").exists()


def check_operation(operation, raw, checks, statuses) -> None:
    """Valid and invalid bodies (bounded, derandomized: the same few seconds every run)."""
    from schemathesis.generation import GenerationMode

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(
            max_examples=15,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            response = case.call(headers={"Authorization": f"Bearer {raw}"})
            statuses.add(response.status_code)
            case.validate_response(response, checks=checks)

        run()
