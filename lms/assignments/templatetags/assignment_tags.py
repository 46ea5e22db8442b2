import html

from django import template
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from lms.assignments.models import AssignmentState

register = template.Library()

STATE_LABELS = dict(AssignmentState.choices)
EMPTY_CELL = mark_safe('<td><span class="meta">—</span></td>')
STATE_BADGE = '<span class="state state--{}">{}</span>'


@register.simple_tag
def assignment_state(state: str):
    """An assignment's state as a badge, as in the team view's cells."""
    return format_html(STATE_BADGE, state, STATE_LABELS[state])


# Open cells get a "remind" button. All buttons submit the page's one remind form (the
# `form` attribute), so 8,000 cells do not carry 8,000 forms and CSRF tokens.
REMIND_BUTTON = (
    '<br><button type="submit" class="button button--small" form="{}" name="assignment"'
    ' value="{}">{}<span class="visually-hidden"> {}: {}</span></button>'
)


@register.simple_tag(takes_context=True)
def team_row(context, row, items, remind_form=""):
    """One team-view row, `<tr>` to `</tr>`: the person (and department), the guidelines'
    state (a link to the person's sign-off record when something is outstanding) and a
    cell per item; with `remind_form`, open cells get a remind button.

    A manager of 200 people with 40 assigned items sees 8,000 cells; written as template
    nodes (state badge, translated "due" date), or even with format_html per cell, they
    took most of the page's time. Every text is escaped once per page (labels, dates,
    item titles, the link's pattern) or row (the person's name), a cell without a button
    is written once per page for each state and date, and the cells are joined as plain
    strings. `html.escape` is what django.utils.html.escape calls for text, without its
    lazy-string wrapper.
    """
    memo = context.render_context.get("team_row")
    if memo is None:
        memo = context.render_context["team_row"] = _page_memo()
    member = row.member
    name = html.escape(str(member))
    department = member.department
    if department:
        person = f'{name}<br><span class="meta">{html.escape(str(department))}</span>'
    else:
        person = name
    if row.guidelines_outstanding:
        before, after = memo["audit"]
        guidelines = f"{before}{int(member.pk)}{after}"
    else:
        guidelines = memo["accepted"]
    cells = _cells(
        memo, row, items, form=html.escape(remind_form) if remind_form else "", name=name
    )
    return mark_safe(f'<tr>\n<th scope="row">{person}</th>\n<td>{guidelines}</td>\n{cells}\n</tr>')


# Stands for the person's id while the audit link is reversed once per page; ids are
# positive, so it is never a real one.
_PK_MARK = 2_026_120_399_999


def _page_memo() -> dict:
    """What every row of one page shares, in the active language."""
    link = html.escape(reverse("guidelines:audit", args=[_PK_MARK]))
    before, _mark, after = link.partition(str(_PK_MARK))
    not_accepted = html.escape(gettext("not accepted"))
    return {
        "accepted": (
            f'<span class="state-badge state-badge--current">{html.escape(gettext("accepted"))}'
            "</span>"
        ),
        "audit": (
            f'<a class="state-badge state-badge--never" href="{before}',
            f'{after}">{not_accepted}</a>',
        ),
        "badges": {
            state: STATE_BADGE.format(state, html.escape(str(label)))
            for state, label in STATE_LABELS.items()
        },
        # The same msgid as the "due {{ date }}" of the learner's dashboard.
        "due": gettext("due %(date)s"),
        "remind": html.escape(gettext("Remind")),
        "not_assigned": html.escape(gettext("not assigned")),
        # (state, due date) -> the cell up to its button; titles by item key.
        "cells": {},
        "titles": {},
    }


def _cell_start(memo: dict, state: str, due_date) -> str:
    """`<td>`, the state's badge and the due date (or "not assigned"), once per page for
    each state and date."""
    key = (state, due_date)
    start = memo["cells"].get(key)
    if start is None:
        if due_date is None:
            due = memo["not_assigned"]
        else:
            date = formats.date_format(due_date, "SHORT_DATE_FORMAT")
            due = html.escape(memo["due"] % {"date": date})
        start = memo["cells"][key] = (
            f'<td>{memo["badges"][state]}<br><span class="meta">{due}</span>'
        )
    return start


def _cells(memo: dict, row, items, *, form: str, name: str) -> str:
    """The `<td>`s of a row (escaped: `form` and `name` already are)."""
    starts, titles = memo["cells"], memo["titles"]
    completed = AssignmentState.COMPLETED
    html_cells = []
    append = html_cells.append
    for cell, item in zip(row.cells, items, strict=True):
        if cell is None:
            append(EMPTY_CELL)
            continue
        state = cell.state
        start = starts.get((state, cell.due_date)) or _cell_start(memo, state, cell.due_date)
        if form and cell.assignment_id and state != completed:
            title = titles.get(item.key)
            if title is None:
                title = titles[item.key] = html.escape(item.title)
            remind = REMIND_BUTTON.format(
                form, int(cell.assignment_id), memo["remind"], name, title
            )
            append(f"{start}{remind}</td>")
        else:
            append(f"{start}</td>")
    return "".join(html_cells)
