"""`fitnesscrm loaddemo`: a demo account per role and the demo gym; run again, it adds nothing."""

import logging
import time

from django.core.management.base import BaseCommand
from django.db import transaction

from fitnesscrm.accounts.models import User
from fitnesscrm.core.roles import Role

DEMO_PASSWORD = "demo-fitness-2026"  # noqa: S105 - published demo credentials  # nosec B105

DEMO_USERS = [
    (Role.OWNER, "owner@demo.fitnesscrm.test", "Olivia Owner"),
    (Role.MANAGER, "manager@demo.fitnesscrm.test", "Marco Manager"),
    (Role.TRAINER, "trainer@demo.fitnesscrm.test", "Tara Trainer"),
    (Role.FRONT_DESK, "desk@demo.fitnesscrm.test", "Finn Frontdesk"),
    (Role.CLIENT, "client@demo.fitnesscrm.test", "Chloe Client"),
]


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print one login per role."

    @transaction.atomic
    def handle(self, *args, **options):
        from fitnesscrm.billing import demo as billing_demo
        from fitnesscrm.clients import demo
        from fitnesscrm.progress import demo as progress_demo
        from fitnesscrm.scheduling import demo as schedule_demo
        from fitnesscrm.training import demo as training_demo

        created = 0
        for role, email, name in DEMO_USERS:
            user, was_created = User.objects.get_or_create(
                email=email,
                defaults={"full_name": name, "role": role, "is_superuser": role == Role.OWNER},
            )
            if was_created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                created += 1
        self.stdout.write(
            f"Demo data: {created} accounts created, {len(DEMO_USERS) - created} already there."
        )
        started = time.monotonic()
        # The gym's trainers are created through the services, which log each audit
        # entry; the entries stay in the audit log, the console is spared the lines.
        audit_log = logging.getLogger("fitnesscrm.core.audit")
        level = audit_log.level
        audit_log.setLevel(logging.WARNING)
        try:
            counts = demo.load_demo_gym(password=DEMO_PASSWORD)
            started_schedule = time.monotonic()
            owner = User.objects.get(email=DEMO_USERS[0][1])
            client = User.objects.get(email=DEMO_USERS[4][1])
            timetable = schedule_demo.load_demo_schedule(
                owner=owner, demo_client=getattr(client, "client_profile", None)
            )
            started_billing = time.monotonic()
            money = billing_demo.load_demo_billing(
                owner=owner,
                desk=User.objects.get(email=DEMO_USERS[3][1]),
                demo_client=getattr(client, "client_profile", None),
            )
            started_training = time.monotonic()
            coaching = training_demo.load_demo_training(
                owner=owner,
                coach_user=User.objects.get(email=DEMO_USERS[2][1]),
                demo_client=getattr(client, "client_profile", None),
            )
            started_progress = time.monotonic()
            progress = progress_demo.load_demo_progress(
                owner=owner,
                coach_user=User.objects.get(email=DEMO_USERS[2][1]),
                demo_client=getattr(client, "client_profile", None),
            )
        finally:
            audit_log.setLevel(level)
        if counts is None:
            self.stdout.write("Demo gym: already there.")
        else:
            self.stdout.write(
                f"Demo gym: {counts['trainers']} trainers, {counts['clients']} clients and leads "
                f"({counts['leads']} in the pipeline), {counts['timeline']} timeline entries, "
                f"{counts['tasks']} follow-up tasks ({time.monotonic() - started:.1f} s)."
            )
        if timetable is None:
            self.stdout.write("Demo timetable: already there.")
        else:
            self.stdout.write(
                f"Demo timetable: {timetable['sessions']} sessions ({timetable['classes']} "
                f"classes), {timetable['bookings']} bookings, {timetable['waitlisted']} on "
                f"waitlists ({time.monotonic() - started_schedule:.1f} s)."
            )
        if money is None:
            self.stdout.write("Demo billing: already there.")
        else:
            self.stdout.write(
                f"Demo billing: {money['memberships']} memberships ({money['open']} with money "
                f"owed), {money['packs']} packs sold "
                f"({time.monotonic() - started_billing:.1f} s)."
            )
        if coaching is None:
            self.stdout.write("Demo training: already there.")
        else:
            self.stdout.write(
                f"Demo training: {coaching['templates']} program templates, "
                f"{coaching['assigned']} programs assigned, {coaching['workouts']} workouts "
                f"logged ({time.monotonic() - started_training:.1f} s)."
            )
        if progress is None:
            self.stdout.write("Demo progress: already there.")
        else:
            self.stdout.write(
                f"Demo progress: {progress['consents']} health-data consents, "
                f"{progress['measurements']} measurements, {progress['goals']} goals, "
                f"{progress['photos']} progress photos "
                f"({time.monotonic() - started_progress:.1f} s)."
            )
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for role, email, _name in DEMO_USERS:
            self.stdout.write(f"  {role.label:<11} {email}")
        self.stdout.write("More trainers (same password):")
        for email, name in demo.demo_trainer_accounts():
            self.stdout.write(f"  {name:<15} {email}")
