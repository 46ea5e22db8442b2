"""The four roles of the product, as Django groups created by a data migration."""

EMPLOYEES = "Employees"
MANAGERS = "Managers"
TRAINERS = "Trainers"
ADMINS = "Admins"

ALL_GROUPS = (EMPLOYEES, MANAGERS, TRAINERS, ADMINS)
