"""`fitnesscrm worker`: run background tasks from the database queue until stopped."""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


class Command(DatabaseWorkerCommand):
    help = (
        "Run the background worker: takes tasks from the database queue (all queues by "
        "default) and runs them; SIGTERM or Ctrl-C stops it after the current task."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False)
