"""API of scheduling: sessions, bookings, and the class types, locations and rooms behind them."""

from ninja import Router

from fitnesscrm.scheduling.api import bookings, sessions, setup

router = Router()
router.add_router("", sessions.router)
router.add_router("", bookings.router)
router.add_router("", setup.router)
