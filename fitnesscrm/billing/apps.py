from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "fitnesscrm.billing"
    label = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        # Billing joins in other parts' work through their hooks, registered once.
        from fitnesscrm.billing.services import credits, invoices, memberships
        from fitnesscrm.scheduling.services import bookings

        for hooks, hook in (
            (invoices.PAID_HOOKS, memberships.membership_paid),
            (invoices.PAID_HOOKS, credits.grant_credits_paid),
            (bookings.BOOKING_HOOKS, credits.booking_hook),
        ):
            if hook not in hooks:
                hooks.append(hook)
