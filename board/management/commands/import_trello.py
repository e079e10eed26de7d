"""manage.py import_trello FILE --owner USER: a Trello board export (JSON) as a new board."""

from board.management.commands._importing import ImportCommand


class Command(ImportCommand):
    help = "Import a Trello board export (JSON) as a new board owned by --owner."
    kind = "trello"
