from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.models import Page

from lms.programmes.selectors import programmes_using


@hooks.register("before_delete_page")
def keep_programme_items(request, page):
    """A course or workshop in a programme (or a section holding one) is not deleted: the
    programme would lose a step its learners count on. Its items are PROTECTed in the
    database too; this turns the refusal into a message instead of an error page."""
    titles = programmes_using(page=page)
    if not titles:
        return None
    messages.error(
        request,
        _("This page is part of the programme %(titles)s; take it out of the programme first.")
        % {"titles": ", ".join(f"“{title}”" for title in titles)},
    )
    return redirect("wagtailadmin_pages:edit", page.pk)


@hooks.register("before_bulk_action")
def keep_programme_items_in_bulk(request, action_type, objects, action_class_instance):
    """The same refusal for a bulk delete of pages (the single delete's hook is not run)."""
    if action_type != "delete":
        return None
    titles = sorted(
        {
            title
            for page in objects
            if isinstance(page, Page)
            for title in programmes_using(page=page)
        }
    )
    if not titles:
        return None
    messages.error(
        request,
        _(
            "Nothing was deleted: a page among them is part of the programme %(titles)s; take "
            "it out of the programme first."
        )
        % {"titles": ", ".join(f"“{title}”" for title in titles)},
    )
    return redirect(action_class_instance.next_url)
