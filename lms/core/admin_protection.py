"""Deleting content that records refer to: refused with a clear message, in every admin.

Models whose rows are evidence (quiz attempts, answers, sign-offs) point at the content
they are about with on_delete=PROTECT. Wagtail's snippet delete views only look at the
reference index, which does not know those records, so a delete would end in a
ProtectedError (a 500). The `before_delete_snippet` hook (lms.quizzes.wagtail_hooks
registers it for every snippet, single and bulk deletes alike) asks Django's deletion
collector first and refuses with a translated message; ProtectedDeleteView catches a
record added between that check and the delete, ProtectedEditView an edit whose inline
rows delete a protected child (a chosen answer option) after the form checked it.
"""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.db import router
from django.db.models import ProtectedError, RestrictedError
from django.db.models.deletion import Collector
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from wagtail.snippets.views.snippets import DeleteView, EditView


def protected_records(objects) -> Counter:
    """How many rows of each model keep these objects from being deleted."""
    objects = list(objects)
    if not objects:
        return Counter()
    collector = Collector(using=router.db_for_write(type(objects[0])))
    try:
        collector.collect(objects)
    except (ProtectedError, RestrictedError) as error:
        found = getattr(error, "protected_objects", None) or error.restricted_objects
        return Counter(type(record) for record in found)
    return Counter()


def describe_records(records: Counter) -> str:
    return ", ".join(
        f"{capfirst(model._meta.verbose_name_plural)}: {count}"
        for model, count in sorted(records.items(), key=lambda item: item[0]._meta.label)
    )


def refusal_message(objects, records: Counter) -> str:
    described = describe_records(records)
    objects = list(objects)
    if len(objects) == 1:
        message = _("“%(object)s” cannot be deleted: records refer to it (%(records)s).") % {
            "object": objects[0],
            "records": described,
        }
    else:
        message = _("These items cannot be deleted: records refer to them (%(records)s).") % {
            "records": described
        }
    if all(hasattr(obj, "archived") for obj in objects):
        message += " " + _(
            "Archive it instead: archived content is hidden from learners and from choosers, "
            "and its history is kept."
        )
    return message


def refuse_protected_delete(request, objects):
    """before_delete_snippet hook: a redirect with the reason, or None to go ahead."""
    objects = list(objects)
    records = protected_records(objects)
    if not records:
        return None
    messages.error(request, refusal_message(objects, records))
    viewset = objects[0].snippet_viewset
    if len(objects) == 1:
        return redirect(viewset.get_url_name("edit"), objects[0].pk)
    return redirect(reverse(viewset.get_url_name("list")))


class ProtectedDeleteView(DeleteView):
    """A record added after the hook looked is refused the same way, not with a 500."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except (ProtectedError, RestrictedError):
            return refuse_protected_delete(self.request, [self.object]) or redirect(
                self.get_success_url()
            )


class ProtectedEditView(EditView):
    """An edit that would delete a protected child (an answer option a learner chose after
    the form was checked) is rolled back and shown again with the reason, not a 500."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except (ProtectedError, RestrictedError) as error:
            found = getattr(error, "protected_objects", None) or error.restricted_objects
            form.add_error(
                None,
                _(
                    "Nothing was saved: records refer to something this change removes "
                    "(%(records)s)."
                )
                % {"records": describe_records(Counter(type(record) for record in found))},
            )
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)
