"""What assignments tell the layers below them and the caches, without being imported."""

from courses.selectors import register_assignment_lookup
from lms.assignments.models import Assignment
from lms.assignments.selectors import is_assigned_workshop
from lms.core.learner_cache import invalidate_learner_on

# An assignment shows on the assignee's cached dashboard and course pages.
invalidate_learner_on(Assignment, learner_field="assignee_id")

# An assigned workshop may be booked by its assignee (courses asks, assignments knows).
register_assignment_lookup(is_assigned_workshop)
