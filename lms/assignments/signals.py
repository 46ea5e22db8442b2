"""What assignments tell the layers below them and the caches, without being imported."""

from lms.assignments.models import Assignment
from lms.core.learner_cache import invalidate_learner_on

# An assignment shows on the assignee's cached dashboard and course pages.
invalidate_learner_on(Assignment, learner_field="assignee_id")
