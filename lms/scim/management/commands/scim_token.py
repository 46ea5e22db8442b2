"""Issue, list and revoke SCIM tokens from the shell (the admin has Settings › SCIM tokens).

manage.py scim_token create "Entra ID"    prints the token once; it is stored hashed
manage.py scim_token list
manage.py scim_token revoke "Entra ID"    (or the token's id)
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from lms.scim import selectors, services


class Command(BaseCommand):
    help = "Issue (create), list or revoke the bearer tokens of SCIM provisioning (/scim/v2/)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Issue a token and print it once.")
        create.add_argument("name", help="Which directory uses it, e.g. “Entra ID”.")
        actions.add_parser("list", help="List the SCIM tokens.")
        revoke = actions.add_parser("revoke", help="Revoke a token by its name or id.")
        revoke.add_argument("token", help="The token's name or id.")

    def handle(self, *args, action: str, **options):
        if action == "create":
            name = options["name"].strip()
            if not name or len(name) > 255:
                raise CommandError("Give the token a name of 1 to 255 characters.")
            if selectors.scim_tokens().filter(name__iexact=name, revoked_at__isnull=True).exists():
                raise CommandError(
                    f"There is already an active SCIM token named {name!r}: revoke it first "
                    "or choose another name."
                )
            token, plaintext = services.issue_token(name=name, by=None)
            self.stderr.write(
                f"SCIM token {token.name!r} (id {token.pk}) issued. It is shown only now; "
                "give it to the directory as the bearer token (Secret Token in Entra ID):"
            )
            self.stdout.write(plaintext)
            return
        if action == "list":
            tokens = list(selectors.scim_tokens())
            for token in tokens:
                state = (
                    f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
                )
                used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                self.stdout.write(
                    f"{token.pk}\t{token.name}\t{token.prefix}…\t{state}\tlast used {used}"
                )
            self.stdout.write(f"{len(tokens)} SCIM token(s).")
            return
        reference = options["token"].strip()
        tokens = selectors.scim_tokens()
        matches = list(
            tokens.filter(pk=int(reference))
            if reference.isascii() and reference.isdigit()
            else tokens.filter(name__iexact=reference)
        )
        active = [token for token in matches if token.revoked_at is None]
        if not matches:
            raise CommandError(f"No SCIM token {reference!r}; `scim_token list` shows them.")
        if not active:
            self.stdout.write(f"The SCIM token {reference!r} was already revoked.")
            return
        for token in active:
            services.revoke_token(token, by=None)
            self.stdout.write(f"Revoked the SCIM token {token.name!r} (id {token.pk}).")
