"""The `<id:...>` path converter: a larger number than any id can be matches no URL (404).

With `<int:...>`, `/b/99999999999999999999/` reached the view and the database: SQLite
cannot bind such a number (a 500), PostgreSQL compares it as a numeric.
"""

from __future__ import annotations

from django.urls import register_converter

from board.models import MAX_ID


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= MAX_ID:
            raise ValueError("no id is this large")  # the URL does not match: 404
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


register_converter(IdConverter, "id")
