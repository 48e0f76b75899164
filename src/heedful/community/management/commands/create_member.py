"""`heedful create-member USERNAME EMAIL`: a forum member, and their API token (shown once)."""

from django.core.management.base import BaseCommand, CommandError

from heedful.community import actions
from heedful.core.errors import HeedfulError


class Command(BaseCommand):
    help = "Create a community member and print their API token (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("email")

    def handle(self, *args, username, email, **options):
        try:
            member = actions.signup(username, email, None)  # they choose a password by reset
        except HeedfulError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(actions.issue_token(member))
