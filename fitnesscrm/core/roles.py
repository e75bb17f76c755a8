"""The five roles of FitnessCRM and the groups of them that rules refer to."""

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"
    TRAINER = "trainer", "Trainer"
    FRONT_DESK = "front_desk", "Front desk"
    CLIENT = "client", "Client"


STAFF_ROLES = frozenset({Role.OWNER, Role.MANAGER, Role.TRAINER, Role.FRONT_DESK})
MANAGEMENT_ROLES = frozenset({Role.OWNER, Role.MANAGER})

# The page each role lands on after login (URL names).
HOME_URL_NAMES = {
    Role.OWNER: "home-owner",
    Role.MANAGER: "home-manager",
    Role.TRAINER: "home-trainer",
    Role.FRONT_DESK: "home-front-desk",
    Role.CLIENT: "home-client",
}
