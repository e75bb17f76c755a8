"""`fitnesscrm apikey create|list|revoke`: manage personal API keys from a shell."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fitnesscrm.accounts import selectors, services
from fitnesscrm.accounts.models import User, normalize_email
from fitnesscrm.core.api_auth import API_AREAS
from fitnesscrm.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Create, list or revoke personal API keys."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a key and print it once.")
        create.add_argument("--user", required=True, help="Email of the staff user.")
        create.add_argument("--name", required=True, help="What the key is for.")
        create.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            metavar="AREA:LEVEL",
            help=(
                "What the key may do, e.g. clients:read or billing:write (write includes "
                f"read); repeat for more. Areas: {', '.join(API_AREAS)}. Default: every scope."
            ),
        )
        create.add_argument(
            "--expires-in-days",
            type=int,
            metavar="DAYS",
            help="The key stops working after this many days. Default: it never expires.",
        )
        listing = sub.add_parser("list", help="List a user's keys (never the secrets).")
        listing.add_argument("--user", required=True)
        revoke = sub.add_parser("revoke", help="Revoke a key by its prefix.")
        revoke.add_argument("--user", required=True)
        revoke.add_argument("--prefix", required=True)

    def _user(self, email: str) -> User:
        try:
            return User.objects.get(email=normalize_email(email))
        except User.DoesNotExist as exc:
            raise CommandError(f"No user with the email {email}.") from exc

    def handle(self, *args, action, **options):
        user = self._user(options["user"])
        try:
            if action == "create":
                days = options["expires_in_days"]
                if days is not None and days < 1:
                    raise CommandError("--expires-in-days must be 1 or more.")
                key, raw = services.api_key_create(
                    user=user,
                    name=options["name"],
                    scopes=options["scopes"],
                    expires_at=timezone.now() + timedelta(days=days) if days else None,
                )
                self.stderr.write(
                    f"API key “{key.name}” created for {user.email}. "
                    "It is shown only now; store it safely:"
                )
                self.stdout.write(raw)
            elif action == "list":
                for key in selectors.api_key_list(user=user):
                    state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
                    used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
                    if key.revoked_at is None and key.is_expired:
                        state = "expired"
                    expires = f"{key.expires_at:%Y-%m-%d %H:%M}" if key.expires_at else "never"
                    scopes = " ".join(key.scopes) or "none"
                    self.stdout.write(
                        f"{key.prefix}  {key.name}  {state}  last used: {used}  "
                        f"expires: {expires}  scopes: {scopes}"
                    )
            else:
                key = user.api_keys.filter(prefix=options["prefix"]).first()
                if key is None:
                    raise CommandError("No such key for this user.")
                services.api_key_revoke(key_id=key.pk, actor=user)
                self.stdout.write(f"Revoked {key.prefix} ({key.name}).")
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
