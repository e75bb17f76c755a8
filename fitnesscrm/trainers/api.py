"""API of trainers: /api/v1/trainers and /api/v1/trainers/{id}."""

from ninja import Router

router = Router(tags=["trainers"])
