"""`fitnesscrm billing reconcile [--days N]`: repair what missed Stripe events left behind."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Billing upkeep. reconcile: compare recent Stripe objects with ours and repair gaps."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        reconcile = actions.add_parser(
            "reconcile",
            help="Record the payments, refunds and cards that missed webhook events left out.",
        )
        reconcile.add_argument(
            "--days", type=int, default=3, help="How far back to look at Stripe (default 3)."
        )

    def handle(self, *args, action: str, days: int = 3, **options):
        from fitnesscrm.billing import stripe_events, stripe_gateway

        if action != "reconcile":
            raise CommandError(f"Unknown action {action!r}.")
        if not stripe_gateway.is_configured():
            raise CommandError("Stripe is not configured (STRIPE_SECRET_KEY is empty).")
        if days < 1 or days > 90:
            raise CommandError("--days is between 1 and 90.")
        fixed = stripe_events.reconcile(days=days)
        for line in fixed:
            self.stdout.write(line)
        self.stdout.write(
            f"Repaired {len(fixed)} item{'s' if len(fixed) != 1 else ''}."
            if fixed
            else "Nothing to repair: our records match Stripe."
        )
