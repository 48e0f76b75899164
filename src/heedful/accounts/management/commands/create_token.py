"""`heedful create-token USERNAME`: print a new API key for the user (shown once, stored hashed)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from heedful.accounts.actions import issue_token


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        with transaction.atomic():
            key = issue_token(None, user)
        self.stdout.write(key)
