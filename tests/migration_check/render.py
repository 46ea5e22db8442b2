"""Every workshop page, as its specific class, renders for a signed-in person, and the
seat triggers of courses 0011 still guard the moved tables. Run by forward_check.sh."""

from django.db import DatabaseError, transaction
from django.db.models import Count, Q
from django.test import Client
from wagtail.models import Page

from lms.people.models import User
from lms.workshops.models import WorkshopIndexPage, WorkshopPage, WorkshopSession

pages = [
    *Page.objects.type(WorkshopPage).specific(),
    *Page.objects.type(WorkshopIndexPage).specific(),
]
assert any(isinstance(page, WorkshopPage) for page in pages), "no workshop pages"
client = Client(HTTP_HOST="localhost")
client.force_login(User.objects.filter(is_superuser=False, is_active=True).order_by("pk").first())
for page in pages:
    response = client.get(page.url)
    print(type(page).__name__, page.url, response.status_code)
    assert response.status_code == 200, page.url
print("/learn/workshops/", client.get("/learn/workshops/").status_code)

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
