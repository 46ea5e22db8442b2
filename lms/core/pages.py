"""Shared page behaviour: serving in few queries, and the section index pages' base.

Wagtail routes a request by asking each page on the way down for its child (one query
per level), then asks for the view restrictions of every ancestor (two more queries).
Every page of the product is read by many people and routed by the same path each time,
so the site root resolves a whole path at once and pages ask for their restrictions in a
single query. Both give the same answers as Wagtail's own methods.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page, PageViewRestriction
from wagtail.url_routing import RouteResult

ROUTE_CACHE_SECONDS = 60 * 60


def _route_key(url_path: str) -> str:
    return "route:" + hashlib.sha256(url_path.encode()).hexdigest()


def _live_page(*, content_type_id: int, page_id: int, url_path: str) -> Page | None:
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    if model is None or not issubclass(model, Page):
        return None
    pages = model._default_manager.filter(pk=page_id, url_path=url_path, live=True)
    related = getattr(model, "route_select_related", ())
    if related:
        pages = pages.select_related(*related)
    return pages.first()


def live_page_at(*, root: Page, path_components: list[str]) -> Page | None:
    """The live page below `root` at this path, as its specific class, or None.

    Where a path lives is remembered (page id and type); the page itself is always read
    fresh and must still be live at exactly this path, so a moved, renamed, unpublished
    or deleted page is never served from the memory: its entry is forgotten and the
    caller routes the Wagtail way.
    """
    url_path = root.url_path + "".join(f"{component}/" for component in path_components)
    key = _route_key(url_path)
    remembered = cache.get(key)
    if remembered is not None:
        page = _live_page(content_type_id=remembered[0], page_id=remembered[1], url_path=url_path)
        if page is not None:
            return page
        cache.delete(key)
    found = (
        Page.objects.filter(url_path=url_path, live=True)
        .values_list("content_type_id", "pk")
        .first()
    )
    if found is None:
        return None
    page = _live_page(content_type_id=found[0], page_id=found[1], url_path=url_path)
    if page is not None:
        cache.set(key, tuple(found), ROUTE_CACHE_SECONDS)
    return page


class WholePathRoutingMixin:
    """For the site root: resolve the whole path in one query instead of one per level.

    Paths that are not a live page's URL (extra components for a routable page, a
    typo) are routed by Wagtail as before, so its 404s and sub-routes are unchanged.
    """

    def route(self, request, path_components):
        if path_components:
            page = live_page_at(root=self, path_components=path_components)
            if page is not None and page.path.startswith(self.path):
                return RouteResult(page)
        return super().route(request, path_components)


class SingleQueryViewRestrictionsMixin:
    """Wagtail's view restrictions for a page and its ancestors, in one query.

    As in Wagtail, an alias page (or alias ancestor) is governed by its source page.
    """

    def get_view_restrictions(self):
        own = self.alias_of_id or self.pk
        ancestor_paths = [self.path[: depth * self.steplen] for depth in range(1, self.depth)]
        governing = (
            Page.objects.filter(path__in=ancestor_paths)
            .annotate(source_id=Coalesce("alias_of_id", "id"))
            .values("source_id")
        )
        return PageViewRestriction.objects.filter(page_id__in=governing) | (
            PageViewRestriction.objects.filter(page_id=own)
        )


class SignInRequiredMixin:
    """A page only signed-in people read (courses, workshops, guidelines, programmes):
    an anonymous visitor is sent to the sign-in page and comes back after it."""

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().serve(request, *args, **kwargs)


class SectionIndexPage(SingleQueryViewRestrictionsMixin, Page):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    max_count = 1

    class Meta:
        abstract = True
