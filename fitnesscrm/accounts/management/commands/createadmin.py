"""`fitnesscrm createadmin --email … --password-stdin`: create an owner without prompts."""

import sys

from django.core.management.base import BaseCommand, CommandError

from fitnesscrm.accounts import services
from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.roles import Role


class Command(BaseCommand):
    help = "Create an owner account (with admin access) non-interactively, for scripts."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="", help="Full name (default: the email's name).")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            required=True,
            help="Read the password from standard input (first line).",
        )

    def handle(self, *args, email, name, password_stdin, **options):
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("No password on standard input.")
        try:
            user = services.user_create(
                email=email,
                full_name=name or email.split("@")[0],
                role=Role.OWNER,
                password=password,
                is_superuser=True,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Owner {user.email} created."))
