"""The last check before text reaches the database: no control characters, ever.

Forms and the API refuse bad text first, with the field's own message (see
core.text.text_problem); this guard is what makes "nothing stored" hold for every
other way in (a service called from the CLI, a task, a future endpoint). Every
text column of the project's models is checked on save:

- a TextField (notes, messages, descriptions) may hold tabs and line breaks and
  any visible or formatting character, but no other control character;
- a CharField (names, titles, subjects, addresses) is one line: no line breaks,
  tabs or invisible formatting characters either, so a name cannot carry a header
  into an email or disguise itself with a right-to-left override.

A refusal is an ApplicationError naming the fields: the API answers 422, a page
shows the message. QuerySet.update() and bulk_create() skip signals; the code
that uses them writes values it computed itself or checked before.
"""

from functools import cache

from django.db import models
from django.db.models.signals import pre_save

from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.text import text_problem

# CharFields that are not one line of text people typed, and must never make a write
# fail: copies of labels in the audit log, what browsers, API clients and payment
# providers send, what the importer read from a file (a tab-separated file's delimiter
# is a tab). They still refuse control characters other than tab and line breaks.
FREE_SYSTEM_TEXT = {
    ("core", "auditentry", "actor_label"),
    ("core", "auditentry", "object_label"),
    ("core", "idempotentrequest", "key"),
    ("accounts", "loginthrottle", "key"),
    ("accounts", "usersession", "user_agent"),
    ("billing", "payment", "failure_message"),
    ("clients", "clientimport", "delimiter"),
    ("clients", "clientimport", "message"),
    ("clients", "clientimporterror", "column"),
    ("clients", "clientimporterror", "message"),
}

# CharFields that hold free text of several lines, like a TextField: short notes.
MULTI_LINE_CHARFIELDS = {
    ("progress", "progressphoto", "notes"),
    ("training", "loggedset", "notes"),
}


@cache
def text_columns(model: type[models.Model]) -> tuple[tuple[str, bool], ...]:
    """(attribute name, single line?) for each text column of a project model."""
    if not model.__module__.startswith("fitnesscrm."):
        return ()
    columns = []
    for field in model._meta.concrete_fields:
        if isinstance(field, models.TextField):
            columns.append((field.attname, False))
        elif isinstance(field, models.CharField):
            key = (model._meta.app_label, model._meta.model_name, field.name)
            single = key not in FREE_SYSTEM_TEXT and key not in MULTI_LINE_CHARFIELDS
            columns.append((field.attname, single))
    return tuple(columns)


def refuse_unsafe_text(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    errors = []
    for name, single_line in text_columns(sender):
        if update_fields is not None and name not in update_fields:
            continue
        value = getattr(instance, name, None)
        if isinstance(value, str) and value:
            problem = text_problem(value, single_line=single_line)
            if problem:
                errors.append({"field": name, "message": problem, "type": "unsafe_text"})
    if errors:
        message = errors[0]["message"] if len(errors) == 1 else "Some fields are not valid."
        raise ApplicationError(message, code="invalid", errors=errors)


def connect() -> None:
    pre_save.connect(refuse_unsafe_text, dispatch_uid="core_refuse_unsafe_text")
