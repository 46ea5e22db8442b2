from django import template
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
def team_cells(context, row, items, remind_form=""):
    """The `<td>`s of one team-view row; with `remind_form`, open cells get a remind button.

    A manager of 200 people with 40 assigned items sees 8,000 cells; written as template
    nodes (state badge, translated "due" date) they took most of the page's time. Labels
    and dates are translated and formatted once per page and reused.
    """
    memo = context.render_context.setdefault("team_cells", {})
    if not memo:
        memo["labels"] = {state: str(label) for state, label in STATE_LABELS.items()}
        # The same msgid as the "due {{ date }}" of the learner's dashboard.
        memo["due"] = gettext("due %(date)s")
        memo["dates"] = {}
        memo["remind"] = gettext("Remind")
    dates = memo["dates"]
    html = []
    for cell, item in zip(row.cells, items, strict=True):
        if cell is None:
            html.append(EMPTY_CELL)
            continue
        due = dates.get(cell.due_date)
        if due is None and cell.due_date is None:
            due = dates[None] = gettext("not assigned")
        elif due is None:
            due = dates[cell.due_date] = memo["due"] % {
                "date": formats.date_format(cell.due_date, "SHORT_DATE_FORMAT")
            }
        remind = ""
        if remind_form and cell.assignment_id and cell.state != AssignmentState.COMPLETED:
            remind = format_html(
                REMIND_BUTTON,
                remind_form,
                cell.assignment_id,
                memo["remind"],
                row.member,
                item.title,
            )
        html.append(
            format_html(
                "<td>" + STATE_BADGE + '<br><span class="meta">{}</span>{}</td>',
                cell.state,
                memo["labels"][cell.state],
                due,
                remind,
            )
        )
    return mark_safe("".join(html))
