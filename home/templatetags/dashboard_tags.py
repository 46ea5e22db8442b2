from django import template
from django.utils import formats, timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from wagtail.models import Site
from wagtail.templatetags.wagtailcore_tags import pageurl

from courses.templatetags.progress_tags import progress_bar
from lms.core import content_version

register = template.Library()


@register.simple_tag(takes_context=True)
def dashboard_url(context, page):
    """{% pageurl page %}, remembered with the dashboard's content (home/dashboard.py):
    the dashboard links to every course twice, and Wagtail builds each URL anew."""
    urls = context.get("dashboard_urls")
    if urls is None:
        return pageurl(context, page)
    return urls.url(page, request=context["request"])


# The learner's lists of courses are written here rather than as template loops: with a
# dozen or more courses, the loops' nodes (a translated "completed on" with its date, a
# link, a progress bar per course) were the larger part of the dashboard's time.


@register.simple_tag(takes_context=True)
def in_progress_items(context, courses) -> SafeString:
    """The <li>s of "Continue learning": track, title, progress bar, the next module."""
    continue_label = escape(gettext("Continue"))
    items = []
    for progress in courses:
        course = progress.course
        url = escape(dashboard_url(context, course))
        track = course.track
        title = escape(course.title)
        button = ""
        if progress.next_module:
            module = progress.next_module
            button = (
                f'<a class="button button--primary" href="{url}{escape(module.slug)}/">'
                f'{continue_label}<span class="visually-hidden">: {escape(module.title)}</span></a>'
            )
        items.append(
            f'<li class="progress-item track--{escape(track.colour if track else "")}">'
            f'<div><p class="eyebrow">{escape(track.name if track else "")}</p>'
            f'<h3><a href="{url}">{title}</a></h3>{progress_bar(progress.percent)}</div>'
            f"{button}</li>"
        )
    return mark_safe("\n".join(items))


@register.simple_tag(takes_context=True)
def completed_items(context, courses) -> SafeString:
    """The <li>s of "Completed courses": a tick, the course, when it was completed."""
    completed_on = gettext("completed on %(date)s")
    dates: dict = {}
    items = []
    for progress in courses:
        course = progress.course
        day = timezone.localtime(progress.enrollment.completed_at).date()
        when = dates.get(day)
        if when is None:
            when = dates[day] = escape(
                completed_on % {"date": formats.date_format(day, "SHORT_DATE_FORMAT")}
            )
        items.append(
            '<li><span class="badge badge--done" aria-hidden="true">✓</span> '
            f'<a href="{escape(dashboard_url(context, course))}">{escape(course.title)}</a> '
            f'<span class="meta">{when}</span></li>'
        )
    return mark_safe("\n".join(items))


# The cards of the dashboard that are the same for every learner (success stories, the
# recommended courses) are kept as HTML in each process under the content token the
# learner's query read (lms.core.content_version.fragment), per language and site: a
# publish changes the token. Each card is rendered by its include, in the page's
# context, as before; only what depends on the content alone is kept, never anything of
# the learner. Without a token (a visitor's home page) they are rendered as before.

STORY_CARD = "stories/includes/story_card.html"
COURSE_CARD = "includes/course_card.html"


def _render(context, name: str, **values) -> str:
    """`{% include name %}` with these values, in the page's context."""
    card = context.template.engine.get_template(name)
    with context.push(**values):
        return card.render(context)


def _fragment(context, key: str, compute) -> str:
    token = context.get("content_token")
    if token is None:
        return compute()
    site = Site.find_for_request(context["request"])  # remembered on the request
    return content_version.fragment(
        f"{key}:{translation.get_language()}:{site.pk if site else None}",
        token=token,
        compute=compute,
    )


@register.simple_tag(takes_context=True)
def story_cards(context, stories) -> SafeString:
    """The success stories' cards: `{% for story in stories %}{% include %}{% endfor %}`."""
    key = "stories:" + ",".join(str(story.pk) for story in stories)
    return mark_safe(
        _fragment(
            context, key, lambda: "".join(_render(context, STORY_CARD, story=s) for s in stories)
        )
    )


@register.simple_tag(takes_context=True)
def course_cards(context, courses) -> SafeString:
    """The recommended courses' cards, each as the template's loop wrote it (one card is
    kept per course: which of a department's courses show depends on the learner)."""
    items = []
    for course in courses:
        card = _fragment(
            context,
            f"course-card:{course.pk}",
            lambda c=course: _render(context, COURSE_CARD, course=c),
        )
        items.append(f"\n                    {card}\n                ")
    return mark_safe("".join(items))
