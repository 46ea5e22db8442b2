from django import template
from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from courses.selectors import ModuleUrls

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


def _urls(context, course) -> ModuleUrls:
    """The page's ModuleUrls (set by the course and module pages' get_context)."""
    urls = context.get("module_urls")
    if urls is None:
        urls = ModuleUrls(course=course, request=context.get("request"))
    return urls


@register.simple_tag(takes_context=True)
def module_url(context, module) -> str | None:
    """{% pageurl module %} for a module of the page's course (see ModuleUrls)."""
    course_urls = context.get("module_urls")
    if course_urls is None:
        return module.get_url(request=context.get("request"))
    return course_urls.of(module)


@register.simple_tag(takes_context=True)
def module_outline(context, view) -> SafeString:
    """The items of the module page's course outline: done, current, the link. A tag for
    the reason of module_list below; the HTML is the template loop's, whitespace and all."""
    urls = _urls(context, view.course)
    current = view.module.pk
    done_label = escape(gettext("done"))
    items = []
    for state in view.progress.modules:
        module = state.module
        is_current = module.pk == current
        classes = ("is-done" if state.is_done else "") + (" is-current" if is_current else "")
        aria = ' aria-current="page"' if is_current else ""
        done = f'<span class="visually-hidden">({done_label})</span>' if state.is_done else ""
        items.append(
            f'\n                <li class="{classes}">'
            f'\n                    <a href="{escape(urls.of(module))}"{aria}>'
            f"{escape(module.title)}</a>"
            f"\n                    {done}"
            "\n                </li>\n            "
        )
    return mark_safe("".join(items))


@register.simple_tag(takes_context=True)
def module_list(context, outline) -> SafeString:
    """The items of a course page's module list: number or tick, link, minutes, optional,
    done or open, the quiz's badge, the teaser. A tag for the reason above: the template
    loop was a fifth of the course page's time."""
    user = context.get("user")
    linked = user is not None and user.is_authenticated
    states = outline.modules
    if not states:
        return format_html("<li>{}</li>", gettext("This course has no modules yet."))
    urls = _urls(context, outline.course) if linked else None
    return format_html_join(
        "\n",
        "{}",
        ((_module_item(state, outline=outline, urls=urls),) for state in states),
    )


def _module_item(state, *, outline, urls: ModuleUrls | None) -> SafeString:
    module = state.module
    if urls is not None:
        title = format_html('<a href="{}">{}</a>', urls.of(module), module.title)
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
