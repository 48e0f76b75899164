"""`heedful create-agent USERNAME --role agent --team support [--team billing] [--password ...]`"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from heedful.accounts.actions import create_agent, team_by_slug
from heedful.accounts.models import Role
from heedful.core.errors import HeedfulError


class Command(BaseCommand):
    help = "Create a staff user with a role and teams (teams are created when missing)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", default=Role.AGENT, choices=Role.values)
        parser.add_argument("--team", action="append", default=[], help="team slug; repeat for more")
        parser.add_argument("--password", default=None, help="without one the user logs in only by API token")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, role, team, password, email, **options):
        try:
            with transaction.atomic():
                teams = [team_by_slug(slug, create=True) for slug in team]
                user = create_agent(None, username, role=role, teams=teams, password=password, email=email)
        except HeedfulError as exc:
            raise CommandError(str(exc)) from exc
        names = ", ".join(t.slug for t in teams) or "no team"
        self.stdout.write(f"created {user.get_username()} ({role}; {names})")
