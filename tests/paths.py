"""Addresses the tests expect, written out so that a changed URL fails a test."""

from fitnesscrm.core.roles import Role

# The page each role lands on after signing in (named in the foundation issue).
HOME_PATHS = {
    Role.OWNER: "/owner/",
    Role.MANAGER: "/manager/",
    Role.TRAINER: "/trainer/",
    Role.FRONT_DESK: "/front-desk/",
    Role.CLIENT: "/portal/",
}
