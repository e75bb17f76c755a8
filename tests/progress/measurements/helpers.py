"""Shared by the measurement and goal tests: a gym, units, logged sets written directly."""

from datetime import date
from decimal import Decimal

from fitnesscrm.progress.models import ProgressSettings, UnitSystem
from fitnesscrm.training.models import LoggedSet, WorkoutLog


def use_units(system: str) -> None:
    row = ProgressSettings.load()
    row.unit_system = system
    row.save()


def imperial() -> None:
    use_units(UnitSystem.IMPERIAL)


def log_set(
    client,
    exercise,
    performed_on: date,
    *,
    reps: int = 5,
    load_kg: str | Decimal = "100",
    e1rm_kg: str | Decimal | None = None,
    log: WorkoutLog | None = None,
    completed: bool = True,
) -> LoggedSet:
    """A set as the logging service leaves it (load_kg and e1rm_kg filled), with its workout."""
    load = Decimal(str(load_kg))
    if e1rm_kg is None:
        e1rm_kg = (load * (1 + Decimal(reps) / 30)).quantize(Decimal("0.01"))
    log = log or WorkoutLog.objects.create(client=client, performed_on=performed_on)
    return LoggedSet.objects.create(
        log=log,
        exercise=exercise,
        reps=reps,
        load=load,
        load_kg=load,
        e1rm_kg=Decimal(str(e1rm_kg)),
        completed=completed,
    )
