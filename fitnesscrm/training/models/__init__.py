"""Training: the exercise library, programs (weeks, days, exercises, sets), workout logs."""

from fitnesscrm.training.models.exercises import (
    Category,
    Equipment,
    Exercise,
    Level,
    MuscleGroup,
    Tracking,
)
from fitnesscrm.training.models.logs import LoggedSet, PersonalRecord, RecordKind, WorkoutLog
from fitnesscrm.training.models.programs import (
    LoadUnit,
    Program,
    ProgramDay,
    ProgramExercise,
    ProgramSet,
    ProgramStatus,
    ProgramTag,
    ProgramWeek,
)

__all__ = [
    "Category",
    "Equipment",
    "Exercise",
    "Level",
    "LoadUnit",
    "LoggedSet",
    "MuscleGroup",
    "PersonalRecord",
    "Program",
    "ProgramDay",
    "ProgramExercise",
    "ProgramSet",
    "ProgramStatus",
    "ProgramTag",
    "ProgramWeek",
    "RecordKind",
    "Tracking",
    "WorkoutLog",
]
