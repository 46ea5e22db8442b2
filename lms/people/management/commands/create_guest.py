from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lms.people import services
from lms.people.models import CustomerOrganisation


class Command(BaseCommand):
    help = (
        "Create a guest: an external participant (a customer's employee in a bootcamp) who "
        "reaches only the pages meant for guests. Without --password the account has none "
        "yet (the guest sets one by the password reset e-mail or an invitation)."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The guest's e-mail address (also the username).")
        parser.add_argument("--company", required=True, help="The customer organisation's name.")
        parser.add_argument(
            "--create-company",
            action="store_true",
            help="Create the customer organisation if there is none of this name.",
        )
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--language", default="", help="de or en (default: the site's).")
        parser.add_argument("--password", default=None)

    def handle(self, *args, **options):
        name = options["company"].strip()
        with transaction.atomic():
            organisation = CustomerOrganisation.objects.filter(name__iexact=name).first()
            if organisation is None:
                if not options["create_company"]:
                    raise CommandError(
                        f"No customer organisation {name!r}: create it in the admin "
                        "(Customer organisations) or pass --create-company."
                    )
                organisation = CustomerOrganisation.objects.create(name=name)
                self.stdout.write(f"Created the customer organisation {name!r}.")
            try:
                guest = services.create_guest(
                    organisation=organisation,
                    email=options["email"],
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                    language=options["language"],
                    password=options["password"],
                )
            except ValidationError as error:
                raise CommandError(
                    f"Guest {options['email']!r} not created: {' '.join(error.messages)}"
                ) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Created guest {guest.username!r} of {organisation.name!r}"
                + ("." if guest.has_usable_password() else " (no password yet).")
            )
        )
