"""The team view's rows (written by the `team_row` tag as joined strings) are the HTML the
template loop wrote before, byte for byte: hostile names, departments and titles escaped,
every state, due dates and "not assigned", remind buttons, the guidelines' link, in
English and German."""

import re
from datetime import timedelta

import pytest
from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from courses import services as course_services
from lms.assignments import selectors, services
from lms.assignments.models import Assignment, AssignmentState
from lms.guidelines import selectors as guideline_selectors
from lms.guidelines import services as guideline_services
from tests import factories

pytestmark = pytest.mark.django_db

# The loop of the template as it was before the tag (team.html, cells as template nodes).
REFERENCE = engines["django"].from_string(
    """{% load i18n %}{% for row, cells in rows %}<tr>
<th scope="row">{{ row.member }}{% if row.member.department %}<br><span class="meta">{{ row.member.department }}</span>{% endif %}</th>
<td>{% if row.guidelines_outstanding %}<a class="state-badge state-badge--never" href="{% url 'guidelines:audit' row.member.pk %}">{% translate "not accepted" %}</a>{% else %}<span class="state-badge state-badge--current">{% translate "accepted" %}</span>{% endif %}</td>
{% for cell, item, label, remind in cells %}{% if cell is None %}<td><span class="meta">—</span></td>{% else %}<td><span class="state state--{{ cell.state }}">{{ label }}</span><br><span class="meta">{% if cell.due_date %}{% blocktranslate with date=cell.due_date|date:"SHORT_DATE_FORMAT" %}due {{ date }}{% endblocktranslate %}{% else %}{% translate "not assigned" %}{% endif %}</span>{% if remind %}<br><button type="submit" class="button button--small" form="remind-form" name="assignment" value="{{ cell.assignment_id }}">{% translate "Remind" %}<span class="visually-hidden"> {{ row.member }}: {{ item.title }}</span></button>{% endif %}</td>{% endif %}{% endfor %}
</tr>
{% endfor %}"""
)

LABELS = dict(AssignmentState.choices)


def reference_rows(view) -> list[str]:
    rows = [
        (
            row,
            [
                (
                    cell,
                    item,
                    LABELS[cell.state] if cell else "",
                    bool(cell and cell.assignment_id and cell.state != AssignmentState.COMPLETED),
                )
                for cell, item in zip(row.cells, view.items, strict=True)
            ],
        )
        for row in view.rows
    ]
    return REFERENCE.render({"rows": rows}).split("\n</tr>\n")[:-1]


def page_rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [row.lstrip() for row in re.split(r"\n</tr>\n", body)[:-1]]


@pytest.fixture
def hostile_team(manager):
    rnd = factories.department(name='R&D <b>"Labs"</b>', slug="rnd")
    people = [
        factories.user(
            username="xss",
            first_name="<script>alert(1)</script>",
            last_name="O'Neil & Co",
            department=rnd,
            manager=manager,
        ),
        factories.user(username="quote", first_name='"Anna"', last_name="=1+1", manager=manager),
        factories.user(
            username="plain",
            first_name="Jürgen",
            last_name="Öztürk",
            department=rnd,
            manager=manager,
        ),
    ]
    course = factories.course(title='<i>Selling</i> & "Social"', modules=1)
    other = factories.course(title="Ünassigned <course>", modules=1)
    workshop = factories.workshop(title="Work'shop <&>")
    today = timezone.localdate()
    services.assign(
        assigned_by=manager, assignees=people, item=course, due_date=today + timedelta(days=3)
    )
    services.assign(
        assigned_by=manager,
        assignees=people[:2],
        item=workshop,
        due_date=today + timedelta(days=40),
    )
    Assignment.objects.filter(assignee=people[1], course=course).update(
        due_date=today - timedelta(days=2)
    )
    course_services.complete_module(user=people[2], module=factories.modules_of(course)[0])
    course_services.complete_module(user=people[0], module=factories.modules_of(other)[0])
    document = factories.guideline()
    version = guideline_selectors.current_version(document=document)
    guideline_services.sign(user=people[2], document=document, version_id=version.pk)
    return people


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_rows_are_the_templates_html(manager, hostile_team, language):
    manager.language = language
    manager.save()
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(manager)
    html = client.get(reverse("assignments:team")).content.decode()
    with translation.override(language):
        view = selectors.team_view(members=services.assignable_people(manager=manager))
        expected = reference_rows(view)
    assert len(expected) == len(hostile_team) and len(view.items) == 3
    assert page_rows(html) == expected
    # What that means, spelled out:
    assert "&lt;script&gt;alert(1)&lt;/script&gt; O&#x27;Neil &amp; Co" in html
    assert "R&amp;D &lt;b&gt;&quot;Labs&quot;&lt;/b&gt;" in html
    assert "<script>alert" not in html
    assert html.count('form="remind-form"') == 4  # open assigned cells only
    assert reverse("guidelines:audit", args=[hostile_team[0].pk]) in html
