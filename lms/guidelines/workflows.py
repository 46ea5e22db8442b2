"""What the end of an approval workflow does (settings.WAGTAIL_FINISH_WORKFLOW_ACTION).

Wagtail calls this once the last task of a workflow is approved. For a guideline
document it first records which revision was approved, and by whom, as a
GuidelineApproval: only a revision with one can go live (GuidelinePage.publish and
.save, and a database trigger). Every other page is published as Wagtail always does.

Wagtail imports this module while it loads its own models, so the models are imported
when the action runs, not at the top of the module.
"""

from __future__ import annotations

from django.db import transaction
from wagtail.workflows import publish_workflow_state


def finish_workflow(workflow_state, user=None):
    # Wagtail imports this module while its own models load (settings
    # WAGTAIL_FINISH_WORKFLOW_ACTION), before any app's models exist: read them at call time.
    from lms.guidelines.models import GuidelineApproval, GuidelinePage

    page = workflow_state.content_object
    specific = getattr(page, "specific", page)
    if not isinstance(specific, GuidelinePage):
        return publish_workflow_state(workflow_state, user=user)
    with transaction.atomic():
        revision = specific.get_latest_revision()
        GuidelineApproval.objects.create(
            document=specific,
            revision=revision,
            via=GuidelineApproval.Via.WORKFLOW,
            workflow_state=workflow_state,
            approved_by=user,
        )
        # The approval is the permission: approvers hold no publish right of their own.
        revision.publish(user=user, skip_permission_checks=True)
