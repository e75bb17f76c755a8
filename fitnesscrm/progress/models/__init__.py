"""Progress: body measurements, progress photos, goals, and the business's unit system."""

from fitnesscrm.progress.models.goals import Goal, GoalMetric, GoalMilestone, GoalStatus
from fitnesscrm.progress.models.measurements import Measurement, ProgressSettings, UnitSystem
from fitnesscrm.progress.models.photos import Pose, ProgressPhoto

__all__ = [
    "Goal",
    "GoalMetric",
    "GoalMilestone",
    "GoalStatus",
    "Measurement",
    "Pose",
    "ProgressPhoto",
    "ProgressSettings",
    "UnitSystem",
]
