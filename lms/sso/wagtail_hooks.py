from wagtail import hooks

from lms.sso.viewsets import ExternalIdentityViewSet


@hooks.register("register_admin_viewset")
def register_identity_viewset():
    return ExternalIdentityViewSet()
