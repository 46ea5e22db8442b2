"""Every live page, as its specific class, renders for an administrator, the learner pages
for a learner, and the seat triggers still guard the workshop tables. Run by forward_check.sh."""

from django.db import DatabaseError, transaction
from django.db.models import Count, Q
from django.test import Client
from wagtail.models import Page

from lms.people.models import User
from lms.workshops.models import WorkshopSession

admin = Client(HTTP_HOST="localhost")
admin.force_login(User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first())
rendered = 0
for page in Page.objects.live().specific().filter(depth__gt=1):
    # A module page sends someone not enrolled to its course page: follow it.
    response = admin.get(page.url, follow=True)
    assert response.status_code == 200, (type(page).__name__, page.url, response.status_code)
    edit = admin.get(f"/admin/pages/{page.pk}/edit/")
    assert edit.status_code == 200, (type(page).__name__, page.pk, "editor", edit.status_code)
    rendered += 1
print(f"{rendered} live pages render, and their editors open")
learner = Client(HTTP_HOST="localhost")
learner.force_login(User.objects.get(username="employee"))
for client, path in (
    (learner, "/"),
    (learner, "/learn/catalog/"),
    (learner, "/learn/workshops/"),
    (learner, "/quizzes/progress/"),
    (admin, "/rollout/"),
    (admin, "/rollout/award/"),
    (admin, "/team/"),
    (admin, "/guidelines/reports/"),
):
    status = client.get(path, follow=True).status_code
    print(path, status)
    assert status == 200, path

session = (
    WorkshopSession.objects.annotate(n=Count("bookings", filter=Q(bookings__status="booked")))
    .filter(n__gte=2)
    .first()
)
try:
    with transaction.atomic():
        WorkshopSession.objects.filter(pk=session.pk).update(capacity=session.n - 1)
except DatabaseError as error:
    print("trigger refused:", str(error).splitlines()[0])
else:
    raise AssertionError("the seat trigger let the seats drop below the bookings")
