from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet

from lms.workshops import services
from lms.workshops.forms import WorkshopSessionForm
from lms.workshops.models import Booking, WorkshopSession


class _RefusalAsFormError:
    """A change the booking rules refuse under lock (the form's own check ran before
    another request booked a seat) is shown on the form, not as an error page."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except services.BookingRefused as refusal:
            form.add_error(None, str(refusal))
            return self.form_invalid(form)


class SessionCreateView(_RefusalAsFormError, generic.CreateView):
    pass


class SessionEditView(_RefusalAsFormError, generic.EditView):
    pass


class SessionIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if not instance.is_cancelled and self.permission_policy.user_has_permission(
            self.request.user, "change"
        ):
            buttons.append(
                MenuItem(
                    _("Cancel session"),
                    url=reverse("workshop-sessions:cancel", args=[instance.pk]),
                    icon_name="cross",
                    priority=25,
                )
            )
        return buttons


class SessionDeleteView(generic.DeleteView):
    """A session people booked is history: it can be cancelled, not deleted."""

    def dispatch(self, request, *args, **kwargs):
        if not self.permission_policy.user_has_permission(request.user, "delete"):
            raise PermissionDenied
        booked = Booking.objects.filter(session=self.object).count()
        if not booked:
            return super().dispatch(request, *args, **kwargs)
        message = ngettext(
            "This session has %(count)d booking, which is kept as a record; the session "
            "cannot be deleted.",
            "This session has %(count)d bookings, which are kept as a record; the session "
            "cannot be deleted.",
            booked,
        ) % {"count": booked}
        if self.object.is_cancelled:
            messages.error(request, message)
            return redirect("workshop-sessions:index")
        messages.warning(
            request,
            message + " " + _("Cancel it instead: its participants are told and lose their seat."),
        )
        return redirect("workshop-sessions:cancel", self.object.pk)


class SessionCancelView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "workshops/admin/cancel_session.html"
    page_title = gettext_lazy("Cancel session")
    header_icon = "date"
    permission_policy = None

    def dispatch(self, request, *args, **kwargs):
        if not self.permission_policy.user_has_permission(request.user, "change"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def session(self):
        return get_object_or_404(
            WorkshopSession.objects.select_related("workshop"), pk=self.kwargs["pk"]
        )

    def get_page_subtitle(self):
        return str(self.session)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["session"] = self.session
        context["active"] = Booking.objects.filter(
            session=self.session, status__in=Booking.ACTIVE
        ).count()
        return context

    def post(self, request, *args, **kwargs):
        try:
            cancelled = services.cancel_session(session=self.session, user=request.user)
        except services.BookingRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("workshop-sessions:cancel", self.session.pk)
        messages.success(
            request,
            ngettext(
                "Session “%(session)s” cancelled; %(count)d booking was cancelled with it.",
                "Session “%(session)s” cancelled; %(count)d bookings were cancelled with it.",
                len(cancelled),
            )
            % {"session": self.session, "count": len(cancelled)},
        )
        return redirect("workshop-sessions:index")


class WorkshopSessionViewSet(ModelViewSet):
    model = WorkshopSession
    icon = "date"
    menu_label = gettext_lazy("Workshop sessions")
    menu_order = 205
    add_to_admin_menu = True
    list_display = ["workshop", "starts_at", "ends_at", "location", "capacity", "cancelled_at"]
    list_filter = ["workshop"]
    form_fields = ["workshop", "starts_at", "ends_at", "location", "online_url", "capacity"]
    copy_view_enabled = True
    index_view_class = SessionIndexView
    add_view_class = SessionCreateView
    edit_view_class = SessionEditView
    delete_view_class = SessionDeleteView

    def get_form_class(self, for_update=False):
        return WorkshopSessionForm

    @property
    def cancel_view(self):
        return SessionCancelView.as_view(permission_policy=self.permission_policy)

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("cancel/<int:pk>/", self.cancel_view, name="cancel"),
        ]


hooks.register("register_admin_viewset", lambda: WorkshopSessionViewSet("workshop-sessions"))
