from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from lms.people import services


@require_POST
def set_language(request):
    """Django's language switch, which also remembers the choice on the account."""
    response = django_set_language(request)
    if request.user.is_authenticated:
        services.set_language(user=request.user, language=request.POST.get("language", ""))
    return response
