"""SCIM 2.0 provisioning at /scim/v2/ (lms/scim) through the HTTP client.

Every operation a directory uses (RFC 7644), Microsoft Entra ID's way of sending them, the
tokens, and that a person the directory deactivates or deletes keeps their records.
scripts/scim_check.py (make scim-check, CI) runs scim2-tester against a live server.
"""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import APIToken

from courses.models import ModuleCompletion
from lms.guidelines import selectors as guideline_selectors
from lms.guidelines import services as guideline_services
from lms.guidelines.models import SignOff
from lms.people import roles
from lms.people.models import Department, User
from lms.scim import services
from lms.scim.models import ProvisionedGroup
from tests import factories

pytestmark = pytest.mark.django_db

BASE = "/scim/v2"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SCIM_JSON = "application/scim+json"


@pytest.fixture
def token(db) -> str:
    _token, raw = services.issue_token(name="Entra ID", by=None)
    return raw


@pytest.fixture
def scim(token) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")


def send(client: Client, method: str, path: str, body=None, **extra):
    if method == "GET":
        return client.get(f"{BASE}{path}", body or {}, **extra)
    data = "" if body is None else body if isinstance(body, bytes | str) else json.dumps(body)
    return getattr(client, method.lower())(
        f"{BASE}{path}", data=data, content_type=SCIM_JSON, **extra
    )


def new_user(client: Client, **fields) -> dict:
    body = {"schemas": [USER], "userName": "anna@example.com", "active": True, **fields}
    response = send(client, "POST", "/Users", body)
    assert response.status_code == 201, response.content
    return response.json()


def patch(client: Client, path: str, *operations) -> dict:
    response = send(client, "PATCH", path, {"schemas": [PATCH_OP], "Operations": list(operations)})
    assert response.status_code == 200, response.content
    return response.json()


def assert_error(response, status: int, scim_type: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(SCIM_JSON)
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert str(body["status"]) == str(status)
    if scim_type:
        assert body["scimType"] == scim_type
    return body


# --- users ---------------------------------------------------------------------------------------


def test_create_a_person_with_the_enterprise_extension(scim, manager):
    created = new_user(
        scim,
        externalId="entra-1",
        name={"givenName": "Anna", "familyName": "Berg", "formatted": "Anna Berg"},
        emails=[{"value": "anna@example.com", "type": "work", "primary": True}],
        preferredLanguage="de-DE",
        title="Ignored: the platform has no titles",
        **{
            ENTERPRISE: {
                "employeeNumber": "E-100",
                "department": "Marketing",
                "manager": {"value": str(manager.pk)},
            }
        },
    )
    user = User.objects.get(pk=created["id"])
    assert (user.username, user.first_name, user.last_name) == ("anna@example.com", "Anna", "Berg")
    assert (user.email, user.employee_id, user.manager) == ("anna@example.com", "E-100", manager)
    assert user.department.name == "Marketing" and user.language == "de"
    assert user.is_active and not user.has_usable_password()
    assert created["meta"]["location"] == f"http://testserver{BASE}/Users/{user.pk}"
    assert created["externalId"] == "entra-1" and created["preferredLanguage"] == "de-DE"
    assert created[ENTERPRISE]["manager"]["$ref"] == f"http://testserver{BASE}/Users/{manager.pk}"
    assert "title" not in created


def test_get_a_person(scim, employee):
    response = send(scim, "GET", f"/Users/{employee.pk}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(SCIM_JSON)
    body = response.json()
    assert body["userName"] == "emma" and body["active"] is True
    assert body[ENTERPRISE]["department"] == "Sales"


def test_an_unknown_person_is_a_404(scim):
    assert_error(send(scim, "GET", "/Users/999999"), 404)
    assert_error(send(scim, "GET", "/Users/not-a-number"), 404)


def test_superusers_and_the_service_user_are_no_resources(scim):
    boss = User.objects.create_superuser("root", "root@example.com", "pw-pw-pw-123")
    assert_error(send(scim, "GET", f"/Users/{boss.pk}"), 404)
    listed = send(scim, "GET", "/Users").json()
    assert listed["totalResults"] == 0


def test_filter_by_username_and_external_id(scim, employee):
    new_user(scim, externalId="abc-1")
    found = send(scim, "GET", "/Users", {"filter": 'userName eq "EMMA"'}).json()
    assert [item["id"] for item in found["Resources"]] == [str(employee.pk)]
    found = send(scim, "GET", "/Users", {"filter": 'externalId eq "abc-1"'}).json()
    assert [item["userName"] for item in found["Resources"]] == ["anna@example.com"]
    # externalId is caseExact (RFC 7643 §3.1).
    assert (
        send(scim, "GET", "/Users", {"filter": 'externalId eq "ABC-1"'}).json()["totalResults"] == 0
    )
    found = send(
        scim,
        "GET",
        "/Users",
        {"filter": f'{ENTERPRISE}:employeeNumber pr or emails[type eq "work"]'},
    ).json()
    assert found["totalResults"] == 0
    found = send(scim, "GET", "/Users", {"filter": 'userName sw "ann" and active eq true'}).json()
    assert found["totalResults"] == 1


def send_get(scim, query):
    return scim.get(f"{BASE}/Users", query)


def test_pagination(scim):
    factories.users_in_bulk(7)
    first = send_get(scim, {"startIndex": "1", "count": "3"}).json()
    second = send_get(scim, {"startIndex": "4", "count": "3"}).json()
    last = send_get(scim, {"startIndex": "7", "count": "3"}).json()
    assert first["totalResults"] == 7 and first["itemsPerPage"] == 3 and first["startIndex"] == 1
    ids = [item["id"] for page in (first, second, last) for item in page["Resources"]]
    assert len(ids) == len(set(ids)) == 7
    assert send_get(scim, {"count": "0"}).json()["totalResults"] == 7
    # Over maxResults: the page is cut to 200 (RFC 7644 §3.4.2.4), not refused.
    assert send_get(scim, {"count": "100000"}).status_code == 200


def test_a_list_page_costs_a_fixed_number_of_queries(scim):
    factories.users_in_bulk(3)
    send_get(scim, {"count": "50"})  # the first request notes the token's use
    with CaptureQueriesContext(connection) as few:
        assert send_get(scim, {"count": "50"}).status_code == 200
    factories.users_in_bulk(30, prefix="more")
    with CaptureQueriesContext(connection) as many:
        assert len(send_get(scim, {"count": "50"}).json()["Resources"]) == 33
    assert len(many) == len(few) <= 8, [query["sql"] for query in many]


def test_a_bad_filter_is_a_400(scim):
    assert_error(send_get(scim, {"filter": 'userName eq "x'}), 400, "invalidFilter")
    assert_error(send_get(scim, {"filter": 'nonsense eq "x"'}), 400, "invalidFilter")
    # An ordering comparison on a string, a $ref.
    assert_error(send_get(scim, {"filter": 'userName gt "x"'}), 400, "invalidFilter")


def test_replace_with_put(scim, employee):
    body = {
        "schemas": [USER],
        "id": str(employee.pk),
        "userName": "emma",
        "active": True,
        "name": {"givenName": "Emma", "familyName": "Stone"},
    }
    response = send(scim, "PUT", f"/Users/{employee.pk}", body)
    assert response.status_code == 200, response.content
    employee.refresh_from_db()
    # PUT replaces: what it leaves out (the department) is cleared.
    assert employee.last_name == "Stone" and employee.department is None


def test_duplicate_username_is_a_409(scim, employee):
    response = send(scim, "POST", "/Users", {"schemas": [USER], "userName": "Emma", "active": True})
    assert_error(response, 409, "uniqueness")
    new_user(scim, **{ENTERPRISE: {"employeeNumber": "7"}})
    response = send(
        scim,
        "POST",
        "/Users",
        {"schemas": [USER], "userName": "b", ENTERPRISE: {"employeeNumber": "7"}},
    )
    assert_error(response, 409, "uniqueness")
    assert User.objects.filter(username="b").count() == 0


def test_an_invalid_username_is_a_400_and_nothing_is_stored(scim):
    response = send(scim, "POST", "/Users", {"schemas": [USER], "userName": "has space"})
    assert_error(response, 400, "invalidValue")
    assert not User.objects.filter(username="has space").exists()


def test_bad_json_is_a_400(scim):
    assert_error(send(scim, "POST", "/Users", b"{not json"), 400, "invalidSyntax")
    assert_error(send(scim, "POST", "/Users", b"[1, 2]"), 400)
    response = send(scim, "PATCH", "/Users/1", b"\x00\xff")
    assert response.status_code in (400, 404)


def test_patch_add_replace_remove(scim, employee):
    path = f"/Users/{employee.pk}"
    body = patch(
        scim,
        path,
        {"op": "add", "path": "name.familyName", "value": "Klein"},
        {"op": "replace", "path": "emails", "value": [{"value": "e@example.com", "type": "work"}]},
        {"op": "remove", "path": f"{ENTERPRISE}:department"},
    )
    employee.refresh_from_db()
    assert employee.last_name == "Klein" and employee.email == "e@example.com"
    assert employee.department is None and "department" not in body.get(ENTERPRISE, {})


def test_patch_as_entra_id_sends_it(scim, employee, manager):
    """Capitalised ops, boolean strings, filtered paths, a dict without path, a bare manager id."""
    path = f"/Users/{employee.pk}"
    patch(
        scim,
        path,
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "emma@work.example"},
        {"op": "Add", "path": "name.givenName", "value": "Emmi"},
        {"op": "Replace", "value": {"name.familyName": "Nord", "externalId": "x-9"}},
        {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": str(manager.pk)},
        {"op": "Replace", "path": f"{ENTERPRISE}:employeeNumber", "value": "4711"},
    )
    employee.refresh_from_db()
    assert employee.email == "emma@work.example" and employee.first_name == "Emmi"
    assert employee.last_name == "Nord" and employee.manager == manager
    assert employee.employee_id == "4711" and employee.scim.external_id == "x-9"
    patch(scim, path, {"op": "Replace", "path": "active", "value": "False"})
    employee.refresh_from_db()
    assert not employee.is_active
    patch(scim, path, {"op": "Replace", "value": {"active": "True"}})
    employee.refresh_from_db()
    assert employee.is_active


def test_a_person_cannot_report_to_themselves(scim, employee, manager):
    manager.manager = employee
    manager.save()
    response = send(
        scim,
        "PATCH",
        f"/Users/{employee.pk}",
        {
            "schemas": [PATCH_OP],
            "Operations": [
                {"op": "add", "path": f"{ENTERPRISE}:manager", "value": str(manager.pk)}
            ],
        },
    )
    assert_error(response, 400, "invalidValue")
    employee.refresh_from_db()
    assert employee.manager is None


def test_an_invalid_patch_path_is_a_400(scim, employee):
    response = send(
        scim,
        "PATCH",
        f"/Users/{employee.pk}",
        {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "emails[type eq", "value": "x"}],
        },
    )
    assert_error(response, 400, "invalidPath")
    response = send(
        scim,
        "PATCH",
        f"/Users/{employee.pk}",
        {"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": "userName"}]},
    )
    assert response.status_code == 400


def _records_of(person: User, sales: Department):
    module = factories.modules_of(factories.course(title="Basics", departments=(sales,)))[0]
    ModuleCompletion.objects.create(user=person, module=module)
    document = factories.guideline(departments=(sales,))
    version = guideline_selectors.current_version(document=document)
    guideline_services.sign(user=person, document=document, version_id=version.pk)
    return module, document


def test_deactivating_keeps_the_records(scim, employee, sales):
    module, _document = _records_of(employee, sales)
    patch(scim, f"/Users/{employee.pk}", {"op": "replace", "path": "active", "value": False})
    employee.refresh_from_db()
    assert not employee.is_active
    assert ModuleCompletion.objects.filter(user=employee, module=module).exists()
    assert SignOff.objects.filter(user=employee).exists()
    # Still a resource, shown inactive.
    assert send(scim, "GET", f"/Users/{employee.pk}").json()["active"] is False


def test_delete_deactivates_and_hides_never_deletes(scim, employee, sales):
    module, _document = _records_of(employee, sales)
    response = send(scim, "DELETE", f"/Users/{employee.pk}")
    assert response.status_code == 204
    employee.refresh_from_db()
    assert not employee.is_active
    assert ModuleCompletion.objects.filter(user=employee, module=module).exists()
    assert SignOff.objects.filter(user=employee).exists()
    assert_error(send(scim, "GET", f"/Users/{employee.pk}"), 404)
    assert send_get(scim, {"filter": 'userName eq "emma"'}).json()["totalResults"] == 0
    # The directory creates the person again: the same account comes back, records and all.
    again = new_user(scim, userName="emma")
    assert again["id"] == str(employee.pk)
    employee.refresh_from_db()
    assert employee.is_active and SignOff.objects.filter(user=employee).exists()


# --- groups --------------------------------------------------------------------------------------


def test_groups_are_departments_or_roles(scim, employee, settings):
    settings.LMS_SCIM_GROUP_ROLES = {"LMS Trainers": roles.TRAINERS}
    created = send(
        scim,
        "POST",
        "/Groups",
        {
            "schemas": [GROUP],
            "displayName": "lms trainers",
            "members": [{"value": str(employee.pk)}],
        },
    )
    assert created.status_code == 201, created.content
    assert employee.groups.filter(name=roles.TRAINERS).exists()
    department = send(scim, "POST", "/Groups", {"schemas": [GROUP], "displayName": "Sales"}).json()
    # An existing department is linked, not duplicated; its people are its members.
    assert Department.objects.filter(name="Sales").count() == 1
    assert [member["value"] for member in department["members"]] == [str(employee.pk)]
    found = send(
        scim,
        "GET",
        "/Groups",
        {"filter": 'displayName eq "SALES"', "excludedAttributes": "members"},
    ).json()
    assert found["totalResults"] == 1 and "members" not in found["Resources"][0]


def test_group_members_by_patch_as_entra_sends_them(scim, employee, manager):
    group = send(scim, "POST", "/Groups", {"schemas": [GROUP], "displayName": "Marketing"}).json()
    path = f"/Groups/{group['id']}"
    patch(
        scim,
        path,
        {
            "op": "Add",
            "path": "members",
            "value": [{"value": str(employee.pk)}, {"value": str(manager.pk)}],
        },
    )
    marketing = Department.objects.get(name="Marketing")
    assert set(marketing.members.all()) == {employee, manager}
    # Entra removes a member with the value in the operation, not in the path.
    patch(scim, path, {"op": "Remove", "path": "members", "value": [{"value": str(manager.pk)}]})
    assert list(marketing.members.all()) == [employee]
    patch(scim, path, {"op": "remove", "path": f'members[value eq "{employee.pk}"]'})
    assert not marketing.members.exists()
    patch(scim, path, {"op": "Replace", "path": "displayName", "value": "Brand"})
    marketing.refresh_from_db()
    assert marketing.name == "Brand"


def test_unknown_members_are_a_400_and_nothing_changes(scim, employee):
    group = send(scim, "POST", "/Groups", {"schemas": [GROUP], "displayName": "Marketing"}).json()
    response = send(
        scim,
        "PATCH",
        f"/Groups/{group['id']}",
        {
            "schemas": [PATCH_OP],
            "Operations": [
                {
                    "op": "add",
                    "path": "members",
                    "value": [{"value": str(employee.pk)}, {"value": "99999"}],
                }
            ],
        },
    )
    assert_error(response, 400, "invalidValue")
    employee.refresh_from_db()
    assert employee.department.name == "Sales"


def test_duplicate_group_is_a_409(scim):
    send(scim, "POST", "/Groups", {"schemas": [GROUP], "displayName": "Marketing"})
    response = send(scim, "POST", "/Groups", {"schemas": [GROUP], "displayName": "marketing"})
    assert_error(response, 409, "uniqueness")


def test_deleting_groups(scim, employee, settings):
    settings.LMS_SCIM_GROUP_ROLES = {"LMS Trainers": roles.TRAINERS}
    role = send(
        scim,
        "POST",
        "/Groups",
        {
            "schemas": [GROUP],
            "displayName": "LMS Trainers",
            "members": [{"value": str(employee.pk)}],
        },
    ).json()
    department = send(scim, "POST", "/Groups", {"schemas": [GROUP], "displayName": "Sales"}).json()
    assert send(scim, "DELETE", f"/Groups/{role['id']}").status_code == 204
    assert send(scim, "DELETE", f"/Groups/{department['id']}").status_code == 204
    assert_error(send(scim, "GET", f"/Groups/{department['id']}"), 404)
    # The role goes with its group; the department and its people stay.
    assert not employee.groups.filter(name=roles.TRAINERS).exists()
    assert Group.objects.filter(name=roles.TRAINERS).exists()
    employee.refresh_from_db()
    assert employee.department.name == "Sales"
    assert not ProvisionedGroup.objects.exists()


# --- discovery -----------------------------------------------------------------------------------


def test_discovery_endpoints(scim, client):
    config = client.get(f"{BASE}/ServiceProviderConfig")  # no token needed (RFC 7643 §5)
    assert config.status_code == 200 and config["Content-Type"].startswith(SCIM_JSON)
    assert config.json()["patch"]["supported"] is True
    assert config.json()["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = send(scim, "GET", "/ResourceTypes").json()
    assert {item["name"] for item in types["Resources"]} == {"User", "Group"}
    schemas = send(scim, "GET", "/Schemas").json()
    assert {item["id"] for item in schemas["Resources"]} == {USER, ENTERPRISE, GROUP}
    assert send(scim, "GET", f"/Schemas/{USER}").status_code == 200
    assert send(scim, "GET", "/ResourceTypes/User").json()["endpoint"] == "/Users"
    assert_error(send(scim, "GET", "/Nothing"), 404)


# --- tokens --------------------------------------------------------------------------------------


def test_no_token_is_a_401(client):
    response = client.get(f"{BASE}/Users")
    assert_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_token_is_a_401(db):
    client = Client(HTTP_AUTHORIZATION="Bearer wagtail_nonsense")
    assert_error(client.get(f"{BASE}/Users"), 401)


def test_a_revoked_token_is_a_401(db):
    token, raw = services.issue_token(name="Okta", by=None)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(f"{BASE}/Users").status_code == 200
    services.revoke_token(token, by=None)
    assert_error(client.get(f"{BASE}/Users"), 401)


def test_kpi_and_scim_tokens_open_only_their_own_api(db, sales):
    _kpi, kpi_raw = factories.kpi_token()
    assert_error(Client(HTTP_AUTHORIZATION=f"Bearer {kpi_raw}").get(f"{BASE}/Users"), 401)
    token, raw = services.issue_token(name="Entra", by=None)
    # Even when its user is given the KPI permission, a SCIM token sends no KPI records.
    token.user.groups.add(Group.objects.get(name="KPI integrations"))
    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").post(
        "/api/kpis/", data="[]", content_type="application/json"
    )
    assert response.status_code == 403


def test_a_token_whose_user_lost_the_permission_is_a_403(db):
    token, raw = services.issue_token(name="Entra", by=None)
    token.user.groups.clear()
    assert_error(Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(f"{BASE}/Users"), 403)


def test_csrf_does_not_apply(token, db):
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.post(
        f"{BASE}/Users",
        data=json.dumps({"schemas": [USER], "userName": "c"}),
        content_type=SCIM_JSON,
    )
    assert response.status_code == 201


def test_the_token_command(db, capsys):
    from django.core.management import call_command

    call_command("scim_token", "create", "Keycloak")
    raw = capsys.readouterr().out.strip()
    assert APIToken.objects.get(name="Keycloak").key_hash == APIToken.hash_token(raw)
    assert raw not in str(list(APIToken.objects.values()))
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(f"{BASE}/Users").status_code == 200
    call_command("scim_token", "revoke", "Keycloak")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(f"{BASE}/Users").status_code == 401


# --- the admin page ------------------------------------------------------------------------------


def test_the_token_page_is_for_admins_only(db):
    employee = factories.user(username="eve")
    token, _raw = services.issue_token(name="Entra", by=None)
    client = Client()
    client.force_login(employee)
    assert client.get("/admin/scim/tokens/").status_code in (302, 403)
    assert client.post("/admin/scim/tokens/", {"name": "Mine"}).status_code in (302, 403)
    assert client.post(f"/admin/scim/tokens/{token.pk}/revoke/").status_code in (302, 403)
    token.refresh_from_db()
    assert token.revoked_at is None
    assert not APIToken.objects.filter(name="Mine").exists()


def test_an_admin_issues_and_revokes_a_token(db):
    admin = factories.user(username="boss", groups=(roles.ADMINS,))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    assert client.get("/admin/scim/tokens/").status_code == 200
    response = client.post("/admin/scim/tokens/", {"name": "Entra ID"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    raw = re.search(r'id="raw-token" readonly value="([^"]+)"', response.content.decode())[1]
    scim = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert scim.get(f"{BASE}/Users").status_code == 200
    token = APIToken.objects.get(name="Entra ID")
    assert client.post(f"/admin/scim/tokens/{token.pk}/revoke/").status_code == 302
    assert scim.get(f"{BASE}/Users").status_code == 401


# --- hostile input with a valid token ------------------------------------------------------------

HOSTILE_BODIES = {
    "NUL in userName": json.dumps({"schemas": [USER], "userName": "a\u0000b"}),
    "lone surrogate": '{"schemas": ["' + USER + '"], "userName": "\\ud800"}',
    "deep nesting": "[" * 5000 + "]" * 5000,
    "huge number": '{"schemas": ["' + USER + '"], "userName": "n", "active": ' + "9" * 5000 + "}",
    "overlong name": json.dumps({"schemas": [USER], "userName": "x" * 5000}),
    "overlong department": json.dumps(
        {"schemas": [USER], "userName": "d", ENTERPRISE: {"department": "x" * 500}}
    ),
    "manager not a number": json.dumps(
        {"schemas": [USER], "userName": "m", ENTERPRISE: {"manager": {"value": "²"}}}
    ),
    "member not a number": json.dumps(
        {"schemas": [GROUP], "displayName": "g", "members": [{"value": "9" * 40}]}
    ),
    "not an object": "null",
}


@pytest.mark.parametrize("what", HOSTILE_BODIES)
@pytest.mark.parametrize("endpoint", ["/Users", "/Groups"])
def test_hostile_bodies_get_a_scim_error_and_store_nothing(scim, what, endpoint):
    people, groups = User.objects.count(), ProvisionedGroup.objects.count()
    response = send(scim, "POST", endpoint, HOSTILE_BODIES[what])
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["schemas"] == [ERROR]
    assert (User.objects.count(), ProvisionedGroup.objects.count()) == (people, groups)


def test_a_body_over_a_megabyte_is_a_413(scim):
    body = json.dumps({"schemas": [USER], "userName": "big", "x": "y" * (1024 * 1024)})
    assert_error(send(scim, "POST", "/Users", body), 413)


@pytest.mark.parametrize(
    "query",
    ['userName eq "\\u0000"', 'userName co "\\ud800"', "x" * 10000, "9" * 5000, "(" * 500],
)
def test_hostile_filters_are_a_400(scim, query):
    response = send_get(scim, {"filter": query, "startIndex": "9" * 30, "count": "-5"})
    assert 400 <= response.status_code < 500 or response.status_code == 200
    assert response.json()["schemas"][0].startswith("urn:ietf:params:scim:api:messages:2.0:")


def test_search_with_a_body_and_what_is_not_supported(scim, employee):
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'userName eq "emma"',
    }
    found = send(scim, "POST", "/Users/.search", body).json()
    assert [item["id"] for item in found["Resources"]] == [str(employee.pk)]
    # Announced as unsupported in ServiceProviderConfig, answered 501 in SCIM's error schema.
    assert_error(send(scim, "GET", "/", {"filter": 'userName eq "emma"'}), 501)
    assert_error(send(scim, "POST", "/.search", body), 501)
    assert_error(send(scim, "POST", "/Bulk", {}), 501)


def test_a_filter_value_that_cannot_be_stored_matches_nobody(scim, employee):
    found = send_get(scim, {"filter": 'userName eq "emma\\u0000"'}).json()
    assert found["totalResults"] == 0
    found = send_get(scim, {"filter": 'userName ne "emma\\u0000"'}).json()
    assert found["totalResults"] == 1


def test_the_group_roles_setting_is_checked(settings):
    from lms.scim.checks import check_group_roles

    settings.LMS_SCIM_GROUP_ROLES = {"LMS Trainers": roles.TRAINERS}
    assert check_group_roles() == []
    settings.LMS_SCIM_GROUP_ROLES = {"LMS Gods": "Gods", "a": roles.ADMINS, "A": roles.ADMINS}
    assert {error.id for error in check_group_roles()} == {"scim.E001", "scim.E002"}


def test_entra_default_mapping_is_accepted(scim, employee):
    """Entra sends displayName, title, phone numbers and addresses, which the platform does
    not keep: ignored, never refused; "False" as a string deactivates."""
    body = {
        "schemas": [USER, ENTERPRISE],
        "userName": "zoe@example.com",
        "active": "False",
        "displayName": "Zoe Z",
        "title": "CEO",
        "phoneNumbers": [{"value": "+49 30 1", "type": "work"}],
        "addresses": [{"type": "work", "locality": "Berlin"}],
        "emails": [{"primary": True, "type": "work", "value": "zoe@example.com"}],
        "name": {"givenName": "Zoe", "familyName": "Z", "formatted": "Zoe Z"},
    }
    response = send(scim, "POST", "/Users", body)
    assert response.status_code == 201, response.content
    zoe = User.objects.get(username="zoe@example.com")
    assert not zoe.is_active and zoe.email == "zoe@example.com"
    patch(
        scim,
        f"/Users/{employee.pk}",
        {"op": "Replace", "path": "displayName", "value": "Emma E."},
        {"op": "Add", "path": "title", "value": "CEO"},
        {"op": "Replace", "path": 'addresses[type eq "work"].locality', "value": "Köln"},
        {"op": "Replace", "value": {"displayName": "E", 'phoneNumbers[type eq "work"].value': "1"}},
        {"op": "Replace", "path": "name.formatted", "value": "Emma E"},
    )
    employee.refresh_from_db()
    assert employee.first_name == "Emma"


def test_manager_as_entra_sends_it_without_a_path(scim, employee, manager):
    patch(
        scim,
        f"/Users/{employee.pk}",
        {"op": "Replace", "value": {f"{ENTERPRISE}:manager": str(manager.pk)}},
    )
    employee.refresh_from_db()
    assert employee.manager == manager
    patch(
        scim,
        f"/Users/{employee.pk}",
        {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": ""},
    )
    employee.refresh_from_db()
    assert employee.manager is None


def test_unknown_tokens_and_busy_tokens_are_throttled(db, settings, token):
    settings.API_FAILED_AUTH_RATE = "2/m"
    wrong = Client(HTTP_AUTHORIZATION="Bearer wagtail_guess")
    assert [wrong.get(f"{BASE}/Users").status_code for _ in range(3)] == [401, 401, 429]
    # The address is refused whatever token it sends now.
    refused = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(f"{BASE}/Users")
    assert_error(refused, 429)
    assert int(refused["Retry-After"]) > 0


def test_a_token_sending_too_many_requests_is_throttled(db, settings, token):
    settings.SCIM_TOKEN_RATE = "2/m"
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert [client.get(f"{BASE}/Users").status_code for _ in range(3)] == [200, 200, 429]


def test_without_a_token_even_a_broken_body_is_a_401(client):
    response = client.post(f"{BASE}/Users", data=b"{broken", content_type=SCIM_JSON)
    assert_error(response, 401)
