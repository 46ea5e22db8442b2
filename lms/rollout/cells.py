"""The board's cells as HTML, built once per request in Python.

Each cell names its evidence and shows "reached / target"; with twenty departments that
is some 250 criteria, which cost the template engine about half the board's time, so
they are written here from escaped values (labels looked up once per criterion)."""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from lms.rollout.selectors import IN_PROGRESS, MET, DepartmentRow


def add_cell_html(rows: list[DepartmentRow]) -> None:
    """Give every cell of the rows an `html` attribute: its status and evidence."""
    status = {
        MET: "✓ " + escape(_("met")),
        IN_PROGRESS: escape(_("in progress")),
    }
    not_started = escape(_("not started"))
    done, open_, no_track = escape(_("done")), escape(_("open")), escape(_("No track chosen"))
    criteria: dict[int, tuple[str, str, int]] = {}
    for row in rows:
        for cell in row.cells:
            parts = [f'<span class="cell__status">{status.get(cell.status, not_started)}</span>']
            for result in cell.results:
                criterion = result.criterion
                if criterion.pk not in criteria:
                    unit = " %" if criterion.is_percent else ""
                    criteria[criterion.pk] = (escape(criterion.label), unit, criterion.target)
                label, unit, target = criteria[criterion.pk]
                classes = "cell__evidence" + (" is-met" if result.met else "")
                if result.missing_track:
                    classes += " is-missing"
                    figure = f"⚠ {no_track}"
                elif result.value is not None:
                    spoken = escape(
                        _("reached %(value)s, target %(target)s")
                        % {"value": result.value, "target": target}
                    )
                    figure = (
                        f"{result.value}{unit} / {target}{unit}"
                        f'<span class="visually-hidden"> ({spoken})</span>'
                    )
                else:
                    box = "☑" if result.met else "☐"
                    figure = (
                        f'<span aria-hidden="true">{box}</span> {done if result.met else open_}'
                    )
                parts.append(
                    f'<span class="{classes}"><span class="cell__metric">{label}</span>'
                    f'<span class="cell__figure">{figure}</span></span>'
                )
            cell.html: SafeString = mark_safe("".join(parts))  # escaped values only
