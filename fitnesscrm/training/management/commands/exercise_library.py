"""`fitnesscrm exercise_library sync`: load the shipped exercise library, or bring it up to date."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "The exercise library shipped with FitnessCRM. sync: add and update its muscle "
        "groups, equipment and exercises (the business's own exercises are never touched)."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("sync", help="Add what is missing and update what changed.")

    def handle(self, *args, action: str, **options):
        from fitnesscrm.training.library import exercise_library_sync

        if action != "sync":
            raise CommandError(f"Unknown action {action!r}.")
        result = exercise_library_sync()
        for label, key in (("Muscle groups", "muscle_groups"), ("Equipment", "equipment")):
            counts = result[key]
            self.stdout.write(f"{label}: {counts['created']} added, {counts['updated']} updated.")
        exercises = result["exercises"]
        self.stdout.write(
            f"Exercises: {exercises['created']} added, {exercises['updated']} updated, "
            f"{exercises['unchanged']} unchanged, {len(exercises['skipped'])} skipped."
        )
        for name in exercises["skipped"]:
            self.stdout.write(
                f"  Skipped {name!r}: the business has its own exercise of that name."
            )
