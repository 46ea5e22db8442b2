from django.utils.functional import SimpleLazyObject

from lms.guidelines.selectors import outstanding_documents


def outstanding_guidelines(request):
    """Documents the user still has to accept, for the banner; queried only if shown."""

    def load():
        user = getattr(request, "user", None)
        # Guests (customers) are shown nothing internal (lms.people.guest_access).
        if user is None or not user.is_authenticated or user.is_guest:
            return []
        return outstanding_documents(user=user)

    return {"outstanding_guidelines": SimpleLazyObject(load)}
