"""Reads shaped for templates: scoped by board, a constant number of queries whatever its size."""

from board.selectors.access import Access, board_access, boards_for_user, role_of
from board.selectors.cards import (
    card_before_number,
    card_ids_matching,
    card_number,
    card_of_board,
    card_ref_of_board,
    cards_by_id,
    fragment_rows,
    hidden_cards,
)
from board.selectors.history import ACTIVITY_PAGE, activity_page, card_comments, comment_of_board, comments_by_id
from board.selectors.labels import board_labels, label_of_board, labels_of_cards
from board.selectors.people import members, membership_of_board, online_users
from board.selectors.pipelines import (
    board_pipelines,
    board_pipelines_names,
    pipeline_before_number,
    pipeline_counts,
    pipeline_of_board,
    pipelines_by_id,
)
from board.selectors.profiles import THEME_COOKIE, theme_of

__all__ = [
    "ACTIVITY_PAGE",
    "THEME_COOKIE",
    "Access",
    "activity_page",
    "board_access",
    "board_pipelines",
    "board_pipelines_names",
    "board_labels",
    "boards_for_user",
    "card_before_number",
    "card_comments",
    "card_ids_matching",
    "card_number",
    "card_of_board",
    "card_ref_of_board",
    "cards_by_id",
    "comment_of_board",
    "comments_by_id",
    "fragment_rows",
    "hidden_cards",
    "label_of_board",
    "labels_of_cards",
    "members",
    "membership_of_board",
    "online_users",
    "pipeline_before_number",
    "pipeline_of_board",
    "pipeline_counts",
    "pipelines_by_id",
    "role_of",
    "theme_of",
]
