from django import template
from django.urls import reverse
from django.utils import formats
from django.utils.html import escape, format_html
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
    item titles) or row (the person's name) and the cells are joined as plain strings.
    """
    memo = context.render_context.setdefault("team_row", {})
    if not memo:
        memo["accepted"] = (
            f'<span class="state-badge state-badge--current">{escape(gettext("accepted"))}</span>'
        )
        memo["not_accepted"] = escape(gettext("not accepted"))
        memo["badges"] = {
            state: STATE_BADGE.format(state, escape(label)) for state, label in STATE_LABELS.items()
        }
        # The same msgid as the "due {{ date }}" of the learner's dashboard.
        memo["due"] = gettext("due %(date)s")
        memo["dates"] = {None: escape(gettext("not assigned"))}
        memo["remind"] = escape(gettext("Remind"))
        memo["titles"] = {}
    member = row.member
    name = escape(member)
    person = name
    if member.department:
        person += f'<br><span class="meta">{escape(member.department)}</span>'
    if row.guidelines_outstanding:
        audit = escape(reverse("guidelines:audit", args=[member.pk]))
        guidelines = (
            f'<a class="state-badge state-badge--never" href="{audit}">{memo["not_accepted"]}</a>'
        )
    else:
        guidelines = memo["accepted"]
    cells = _cells(memo, row, items, form=escape(remind_form) if remind_form else "", name=name)
    return mark_safe(f'<tr>\n<th scope="row">{person}</th>\n<td>{guidelines}</td>\n{cells}\n</tr>')


def _cells(memo: dict, row, items, *, form: str, name: str) -> str:
    """The `<td>`s of a row (escaped: `form` and `name` already are)."""
    dates, titles, badges = memo["dates"], memo["titles"], memo["badges"]
    html = []
    for cell, item in zip(row.cells, items, strict=True):
        if cell is None:
            html.append(EMPTY_CELL)
            continue
        due = dates.get(cell.due_date)
        if due is None:
            due = dates[cell.due_date] = escape(
                memo["due"] % {"date": formats.date_format(cell.due_date, "SHORT_DATE_FORMAT")}
            )
        remind = ""
        if form and cell.assignment_id and cell.state != AssignmentState.COMPLETED:
            title = titles.get(item.key)
            if title is None:
                title = titles[item.key] = escape(item.title)
            remind = REMIND_BUTTON.format(
                form, int(cell.assignment_id), memo["remind"], name, title
            )
        html.append(f'<td>{badges[cell.state]}<br><span class="meta">{due}</span>{remind}</td>')
    return "".join(html)
