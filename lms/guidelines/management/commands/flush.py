"""Django's flush, with the erasure permit that emptying permanent records needs.

Flushing resets the whole database (the test suite does it after every transactional
test), so it may empty the sign-offs and guideline versions, which the database keeps
otherwise (lms.core.permanence). The confirmation is asked before the permit is granted;
the permit, the flush and the post-migrate handlers share one transaction.
"""

from django.core.management.commands import flush
from django.db import connections

from lms.core.permanence import erasure_permit, permit_table_exists


class Command(flush.Command):
    def handle(self, **options):
        database = options["database"]
        if options["interactive"]:
            confirm = input(
                "You have requested a flush of the database.\n"
                "This will IRREVERSIBLY DESTROY all data currently in the "
                f'"{connections[database].settings_dict["NAME"]}" database,\n'
                "including the sign-offs and guideline versions kept as permanent records,\n"
                "and return each table to an empty state.\n"
                "Are you sure you want to do this?\n\n"
                "    Type 'yes' to continue, or 'no' to cancel: "
            )
            if confirm != "yes":
                self.stdout.write("Flush cancelled.")
                return
        options = {**options, "interactive": False}
        if not permit_table_exists(using=database):
            return super().handle(**options)
        with erasure_permit(reason="manage.py flush: the whole database is reset", using=database):
            return super().handle(**options)
