from django import template
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.simple_tag
def progress_bar(percent: int):
    """A course's progress bar. A tag rather than an included template: the dashboard
    draws one per enrolled course, and an include per row was a good part of its time.

    The filled part is an SVG rectangle whose width is an attribute: the site's
    Content-Security-Policy allows no style="" attributes."""
    return format_html(
        '<div class="progress">'
        '<div class="progress__bar" role="progressbar" aria-valuemin="0" aria-valuemax="100"'
        ' aria-valuenow="{}" aria-label="{}">'
        '<svg aria-hidden="true" focusable="false"><rect width="{}%" height="100%"/></svg></div>'
        '<span class="progress__label">{}</span>'
        "</div>",
        percent,
        gettext("Course progress"),
        percent,
        gettext("%(percent)s %% complete") % {"percent": percent},
    )


@register.simple_tag(takes_context=True)
def module_list(context, outline) -> SafeString:
    """The items of a course page's module list: number or tick, link, minutes, optional,
    done or open, the quiz's badge, the teaser. A tag for the reason above: the template
    loop was a fifth of the course page's time."""
    request = context.get("request")
    user = context.get("user")
    linked = user is not None and user.is_authenticated
    states = outline.modules
    if not states:
        return format_html("<li>{}</li>", gettext("This course has no modules yet."))
    return format_html_join(
        "\n",
        "{}",
        (
            (_module_item(state, outline=outline, request=request, linked=linked),)
            for state in states
        ),
    )


def _module_item(state, *, outline, request, linked: bool) -> SafeString:
    module = state.module
    if linked:
        title = format_html('<a href="{}">{}</a>', module.get_url(request=request), module.title)
    else:
        title = format_html("<span>{}</span>", module.title)
    minutes = module.estimated_minutes
    meta = [ngettext("%(minutes)s min", "%(minutes)s min", minutes) % {"minutes": minutes}]
    if not module.required:
        meta.append(format_html("· {}", gettext("optional")))
    if state.is_done:
        meta.append(format_html('· <span class="status status--done">{}</span>', gettext("done")))
    elif outline.is_enrolled:
        meta.append(format_html("· {}", gettext("open")))
    if state.quiz_state:
        kind, label = state.quiz_state.badge
        meta.append(format_html('· <span class="quiz-badge quiz-badge--{}">{}</span>', kind, label))
    return format_html(
        '<li class="module-list__item{}">'
        '<span class="module-list__state" aria-hidden="true">{}</span>'
        '<div>{} <span class="meta">{}</span>{}</div></li>',
        " is-done" if state.is_done else "",
        "✓" if state.is_done else state.position,
        title,
        mark_safe(" ".join(conditional_escape(part) for part in meta)),
        format_html("<p>{}</p>", module.intro) if module.intro else "",
    )
