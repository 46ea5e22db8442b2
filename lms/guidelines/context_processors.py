from django.utils.functional import SimpleLazyObject

from lms.guidelines.selectors import outstanding_documents


def outstanding_guidelines(request):
    """Documents the user still has to accept, for the banner; queried only if shown."""

    def load():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        return outstanding_documents(user=user)

    return {"outstanding_guidelines": SimpleLazyObject(load)}
