from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.generic.models import IndexView
from wagtail.admin.viewsets.model import ModelViewSet

from lms.sso.models import ExternalIdentity


class IdentityIndexView(IndexView):
    def get_base_queryset(self):
        # The person's name in every row, from the same query.
        return super().get_base_queryset().select_related("user")


class ExternalIdentityViewSet(ModelViewSet):
    """Settings › Company sign-ins: who is linked to which account at the provider.

    Admins see the links and remove one (the person's next company sign-in links again,
    by employee ID or e-mail): the way out of "already linked to another company account".
    Nobody creates or edits a link by hand; the sign-in does.
    """

    model = ExternalIdentity
    icon = "key"
    menu_label = _("Company sign-ins")
    add_to_settings_menu = True
    name = "sso_identities"
    list_display = ["user", "issuer", "subject", "linked_at"]
    list_filter = ["issuer"]
    search_fields = ["subject", "user__username", "user__email", "user__last_name"]
    ordering = ["user__username"]
    form_fields = ["user", "issuer", "subject"]
    inspect_view_enabled = True
    copy_view_enabled = False
    index_view_class = IdentityIndexView
