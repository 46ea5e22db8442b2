from django.utils.functional import SimpleLazyObject

from lms.notifications.selectors import unread_count


def unread_notifications(request):
    """The bell's count: one query, only for signed-in people and only if shown."""

    def load():
        user = getattr(request, "user", None)
        # Guests (customers) are shown nothing internal (lms.people.guest_access).
        if user is None or not user.is_authenticated or user.is_guest:
            return 0
        return unread_count(user=user)

    return {"unread_notifications": SimpleLazyObject(load)}
