from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from wagtail import hooks

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
