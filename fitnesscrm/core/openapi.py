"""The API's error answers in its OpenAPI document.

Every operation can answer with the one error shape (`{"detail", "code", "errors"}`,
fitnesscrm/core/errors.py): a refused key, a record the caller may not see, fields
that are not valid. The routers declare only their success; this adds the error
statuses to each operation, so clients and schema-based tools know them too.
"""

from fitnesscrm.core.api_parser import MAX_JSON_DEPTH

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, in plain English."},
        "code": {"type": "string", "description": "A stable machine-readable code."},
        "errors": {
            "type": "array",
            "description": "The fields that were refused, each with its message.",
            "items": {"type": "object"},
        },
    },
    "required": ["detail", "code", "errors"],
}

ERROR_STATUSES = {
    "400": (
        "The request was refused by a rule, its JSON could not be read or is nested more "
        f"than {MAX_JSON_DEPTH} levels deep, or its query string holds a control character."
    ),
    "401": "No valid API key or signed-in session.",
    "403": "The caller's role may not do this.",
    "404": "No such record, or not one the caller may see.",
    "405": "The method is not allowed on this path.",
    "409": "The record's state does not allow this now.",
    "422": (
        "Some fields are not valid; `errors` lists them, each with its `field`, `location`, "
        "`message` and `type` (`unsafe_text` for text with control characters, or one-line "
        "text with line breaks or invisible formatting characters)."
    ),
    "429": "Too many requests; try again later.",
}
# Only requests with a body can be too large.
BODY_ERROR_STATUSES = {"413": "The request body is larger than the 10 MB limit."}


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def add_error_responses(schema: dict) -> dict:
    """`schema` (an OpenAPI document) with the error statuses on every operation."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            statuses = dict(ERROR_STATUSES)
            if "requestBody" in operation:
                statuses.update(BODY_ERROR_STATUSES)
            for status, description in statuses.items():
                if status not in responses and int(status) not in responses:
                    responses[status] = _error_response(description)
    return schema
