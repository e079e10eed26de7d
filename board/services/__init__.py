"""Every write to a board: keyword-only, atomic, one event each (see board.events).

Views, the admin, the API, management commands and `manage.py shell` all write through
these. Each takes the board's row lock first (common.lock_board) and records the one event
that the activity line, the live broadcast and the rest are made from.
"""

from board.services.boards import board_create, board_delete, board_rename
from board.services.cards import ClaimHeld, StaleEdit, card_create, card_delete, card_move, card_update
from board.services.claims import active_claim, claim_release, claim_take, claims_release_page
from board.services.comments import clean_comment, comment_create, comment_delete, comment_update
from board.services.common import Gone, clean_description, clean_title
from board.services.labels import card_labels_set, label_create, label_delete, label_update
from board.services.limits import board_set_limits, pipeline_set_limit
from board.services.members import member_add, member_remove, member_set_role
from board.services.pipelines import pipeline_create, pipeline_delete, pipeline_move, pipeline_rename
from board.services.presence import (
    presence_heartbeat,
    presence_join,
    presence_leave,
    presence_restore,
    presence_sweep,
)
from board.services.profiles import profile_update
from board.services.transfer import board_import, cards_import

__all__ = [
    "ClaimHeld",
    "Gone",
    "StaleEdit",
    "active_claim",
    "board_create",
    "board_delete",
    "board_import",
    "board_rename",
    "board_set_limits",
    "card_create",
    "card_labels_set",
    "card_delete",
    "cards_import",
    "card_move",
    "card_update",
    "claim_release",
    "claim_take",
    "claims_release_page",
    "clean_comment",
    "clean_description",
    "clean_title",
    "comment_create",
    "comment_delete",
    "comment_update",
    "label_create",
    "label_delete",
    "label_update",
    "member_add",
    "member_remove",
    "member_set_role",
    "pipeline_create",
    "pipeline_delete",
    "pipeline_move",
    "pipeline_rename",
    "pipeline_set_limit",
    "profile_update",
    "presence_heartbeat",
    "presence_join",
    "presence_leave",
    "presence_restore",
    "presence_sweep",
    "profile_update",
]
