"""The four roles of the product, as Django groups created by a data migration."""

EMPLOYEES = "Employees"
MANAGERS = "Managers"
TRAINERS = "Trainers"
ADMINS = "Admins"
# Created by the rollout app's migration: sees the rollout board and the award.
LEADERSHIP = "Leadership"
# Created by the guidelines app's migration: members approve guideline changes.
GUIDELINE_APPROVERS = "Guideline approvers"

# External participants (customers' people in a bootcamp); created by people's migration
# 0008. Holds no permission; a guest is in no other group (lms.people.signals refuses it).
GUESTS = "Guests"

ALL_GROUPS = (EMPLOYEES, MANAGERS, TRAINERS, ADMINS)
