from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.models import Page

from lms.programmes import services
from lms.programmes.forms import AddParticipantsForm, BootcampRunForm
from lms.programmes.models import BootcampRun, RunParticipant
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


# --- bootcamp runs ------------------------------------------------------------------------------


class RunIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.permission_policy.user_has_permission(self.request.user, "change"):
            buttons.append(
                MenuItem(
                    _("Participants"),
                    url=reverse("bootcamp-runs:participants", args=[instance.pk]),
                    icon_name="group",
                    priority=25,
                )
            )
        return buttons


class RunParticipantsView(WagtailAdminTemplateMixin, FormView):
    """Add participants to a run, one person or a whole department at a time."""

    template_name = "programmes/admin/run_participants.html"
    page_title = gettext_lazy("Participants")
    header_icon = "group"
    form_class = AddParticipantsForm
    permission_policy = None

    def dispatch(self, request, *args, **kwargs):
        if not self.permission_policy.user_has_permission(request.user, "change"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def run(self):
        return get_object_or_404(
            BootcampRun.objects.select_related("programme"), pk=self.kwargs["pk"]
        )

    def get_page_subtitle(self):
        return str(self.run)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["run"] = self.run
        context["participants"] = (
            RunParticipant.objects.filter(run=self.run)
            .select_related("user", "user__department", "user__customer_organisation")
            .order_by("user__last_name", "user__first_name", "user__username")
        )
        return context

    def form_valid(self, form):
        person, department = form.cleaned_data["person"], form.cleaned_data["department"]
        try:
            if person is not None:
                added = services.add_participants(
                    run=self.run, users=[person], added_by=self.request.user
                )
            else:
                added = services.add_department(
                    run=self.run, department=department, added_by=self.request.user
                )
        except services.RunRefused as refusal:
            form.add_error(None, str(refusal))
            return self.form_invalid(form)
        if added:
            messages.success(
                self.request,
                ngettext(
                    "%(count)d participant added.", "%(count)d participants added.", len(added)
                )
                % {"count": len(added)},
            )
        else:
            messages.info(self.request, _("Everyone chosen is in the run already."))
        return redirect("bootcamp-runs:participants", self.run.pk)


class BootcampRunViewSet(ModelViewSet):
    model = BootcampRun
    icon = "group"
    menu_label = gettext_lazy("Bootcamp runs")
    menu_order = 206
    add_to_admin_menu = True
    list_display = ["title", "programme", "starts_on", "ends_on", "language", "capacity"]
    list_filter = ["programme", "language"]
    form_fields = [
        "programme",
        "title",
        "starts_on",
        "ends_on",
        "language",
        "capacity",
        "trainers",
        "sessions",
    ]
    index_view_class = RunIndexView

    def get_form_class(self, for_update=False):
        return BootcampRunForm

    @property
    def participants_view(self):
        return RunParticipantsView.as_view(permission_policy=self.permission_policy)

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("participants/<int:pk>/", self.participants_view, name="participants"),
        ]


hooks.register("register_admin_viewset", lambda: BootcampRunViewSet("bootcamp-runs"))
