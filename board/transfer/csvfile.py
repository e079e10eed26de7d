"""CSV rows as cards for an existing board: a header row, then one card a row.

Columns by name, in any order: title (required), pipeline (required: a pipeline of the
board, by name), description. labels, due and assignee are accepted and left out (their
models do not exist yet); any other column is ignored; the summary says which. UTF-8 with or
without a BOM; comma or semicolon, told from the header row.
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from board.services.common import clean_description, clean_title
from board.transfer.plan import CardRow, ImportRefused, check_cards, checked, decode

KNOWN = ("title", "description", "pipeline")
NOT_YET = ("labels", "due", "assignee")


def _dialect(text: str) -> str:
    header = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(header, delimiters=",;").delimiter
    except csv.Error:  # one column: either will do
        return ";" if header.count(";") > header.count(",") else ","


def parse(data: bytes, *, pipelines: dict[str, int]) -> tuple[list[CardRow], list[str]]:
    """The rows (pipeline names checked against `pipelines`: name -> id) and the summary's notes."""
    text = decode(data)
    if not text.strip():
        raise ImportRefused(_("The file is empty: expected a header row (title, pipeline, description)."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text))
    try:
        header = [name.strip().lower() for name in next(reader)]
        columns = {name: index for index, name in reversed(list(enumerate(header)))}
        missing = [name for name in ("title", "pipeline") if name not in columns]
        if missing:
            raise ImportRefused(
                _("Line 1: the header has no %(columns)s column (found: %(found)s).")
                % {"columns": _(" and no ").join(missing), "found": ", ".join(header) or _("nothing")}
            )
        rows: list[CardRow] = []
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(values) > len(header):
                raise ImportRefused(
                    _("Line %(line)s: %(n)s fields, but the header has %(h)s.")
                    % {"line": line, "n": len(values), "h": len(header)}
                )
            values += [""] * (len(header) - len(values))
            name = values[columns["pipeline"]].strip()
            if name not in pipelines:
                raise ImportRefused(
                    _("Line %(line)s: the board has no pipeline “%(name)s”.") % {"line": line, "name": name}
                )
            where = _("Line %(line)s, %(column)s") % {"line": line, "column": "title"}
            title = checked(clean_title, values[columns["title"]], where, field=_("Title"))
            description = ""
            if "description" in columns:
                where = _("Line %(line)s, %(column)s") % {"line": line, "column": "description"}
                description = checked(clean_description, values[columns["description"]], where)
            rows.append(CardRow(line=line, pipeline=name, title=title, description=description))
            check_cards(len(rows))
    except csv.Error as exc:
        raise ImportRefused(_("Line %(line)s: %(error)s") % {"line": reader.line_num, "error": exc}) from None
    if not rows:
        raise ImportRefused(_("The file holds no cards: only a header row."))
    notes = []
    later = [name for name in NOT_YET if name in columns]
    if later:
        notes.append(_("Columns not supported yet, left out: %(names)s.") % {"names": ", ".join(later)})
    ignored = [name for name in header if name not in KNOWN and name not in NOT_YET and name]
    if ignored:
        notes.append(_("Columns ignored: %(names)s.") % {"names": ", ".join(ignored)})
    return rows, notes
