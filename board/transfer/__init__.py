"""Boards in and out of files: our own JSON, Trello's board export, CSV.

Parsing (this package) turns a file into a plan or names the line or field that is wrong;
writing is board.services.transfer, one transaction and one event for the whole file.
"""
