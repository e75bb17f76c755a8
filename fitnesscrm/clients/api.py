"""API of clients: /api/v1/clients, /api/v1/clients/{id}, notes and /api/v1/assignments."""

from ninja import Router

router = Router(tags=["clients"])
