"""API of progress: /measurements, /photos (multipart upload) and /goals."""

from ninja import Router

from fitnesscrm.progress.api import goals, measurements, photos

router = Router()
router.add_router("", measurements.router)
router.add_router("", photos.router)
router.add_router("", goals.router)
