"""API of training: /exercises, /programs (+ weeks, days, exercises, sets),
/clients/{id}/programs and /workout-logs."""

from ninja import Router

from fitnesscrm.training.api import exercises, logs, programs

router = Router()
router.add_router("", exercises.router)
router.add_router("", programs.router)
router.add_router("", logs.router)
