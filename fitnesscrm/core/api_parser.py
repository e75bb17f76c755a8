"""Reading an API request's JSON body: nesting depth and text are checked first.

No operation takes documents nested more than a few levels, and Python's parser
gives up at about a thousand (RecursionError); a body nested deeper than
MAX_JSON_DEPTH is refused before any schema sees it. Every string in the body,
keys included, must be free of control characters other than tab and line
breaks: "\\u0000" would otherwise reach PostgreSQL, which cannot store it.
"""

import json

from ninja.parser import Parser

from fitnesscrm.core.text import text_problem

MAX_JSON_DEPTH = 32


class JsonTooDeep(ValueError):
    pass


class UnsafeJsonText(ValueError):
    def __init__(self, field: str, problem: str):
        super().__init__(problem)
        self.field = field
        self.problem = problem


def _check(data) -> None:
    stack = [(data, 1, ())]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise JsonTooDeep()
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and (problem := text_problem(key, single_line=False)):
                    raise UnsafeJsonText(".".join((*path, key)), problem)
                stack.append((item, depth + 1, (*path, str(key))))
        elif isinstance(value, str) and (problem := text_problem(value, single_line=False)):
            raise UnsafeJsonText(".".join(path), problem)


class CheckedJsonParser(Parser):
    def parse_body(self, request):
        try:
            data = json.loads(request.body)
        except RecursionError as exc:
            raise JsonTooDeep() from exc
        _check(data)
        return data
