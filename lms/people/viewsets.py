import django_filters
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import BooleanRadioSelect
from wagtail.users.views.users import IndexView, UserFilterSet, UserViewSet

from lms.people.forms import LmsUserCreationForm, LmsUserEditForm
from lms.people.models import CustomerOrganisation

LONGEST_SEARCHED_FIELD = 254


class LmsUserFilterSet(UserFilterSet):
    """Wagtail's filters, and whether a person is a guest and from which company."""

    is_guest = django_filters.BooleanFilter(label=_("Guest"), widget=BooleanRadioSelect)
    customer_organisation = django_filters.ModelChoiceFilter(
        queryset=CustomerOrganisation.objects.all(), label=_("Customer organisation")
    )


class LmsUserIndexView(IndexView):
    """Guests are marked with their company beside the access level."""

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("customer_organisation")

    def search_queryset(self, queryset):
        # A search longer than any username, name or address (254 characters at most)
        # finds nobody; SQLite refuses a LIKE pattern of 50,000 bytes (a 500 otherwise).
        if self.is_searching and len(self.search_query) > LONGEST_SEARCHED_FIELD:
            return queryset.none()
        return super().search_queryset(queryset)

    @cached_property
    def columns(self):
        columns = list(super().columns)
        guest_column = Column(
            "customer_organisation",
            accessor=lambda user: (
                _("Guest (%(company)s)") % {"company": user.customer_organisation}
                if user.is_guest
                else None
            ),
            label=_("Guest"),
        )
        columns.insert(3, guest_column)
        return columns


class LmsUserViewSet(UserViewSet):
    filterset_class = LmsUserFilterSet
    index_view_class = LmsUserIndexView

    def get_form_class(self, for_update=False):
        return LmsUserEditForm if for_update else LmsUserCreationForm
