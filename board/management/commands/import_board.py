"""manage.py import_board FILE --owner USER: a LiveBoard board export (JSON) as a new board."""

from board.management.commands._importing import ImportCommand


class Command(ImportCommand):
    help = "Import a LiveBoard board export (JSON, from export_board) as a new board owned by --owner."
    kind = "liveboard"
