"""Signals assignments send to the layers above them (notifications), never importing them."""

from django.dispatch import Signal

# Sent after the commit of a bulk assignment (lms.assignments.services.assign) with
# assignment_ids=[...] of the assignments it created; bulk_create sends no post_save.
assignments_created = Signal()
