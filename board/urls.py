"""Board URLs: every sub-object is addressed under its board, so lookups are scoped by it."""

from __future__ import annotations

from django.urls import path

from board import converters  # noqa: F401 - registers <id:...>
from board.views import (
    accounts,
    attachments,
    boards,
    cards,
    changes,
    checklists,
    comments,
    members,
    pipelines,
    profiles,
)

urlpatterns = [
    path("", boards.home, name="home"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("settings/theme/", profiles.theme_set, name="theme"),
    path("settings/language/", profiles.language_set, name="language"),
    path("b/<id:board_id>/", boards.board_detail, name="board"),
    path("b/<id:board_id>/filter/", boards.board_filter, name="board-filter"),
    path("b/<id:board_id>/changes/", changes.board_changes, name="board-changes"),
    path("b/<id:board_id>/rename/", boards.board_rename, name="board-rename"),
    path("b/<id:board_id>/delete/", boards.board_delete, name="board-delete"),
    path("b/<id:board_id>/pipelines/add/", pipelines.pipeline_create, name="pipeline-create"),
    path("b/<id:board_id>/p/<id:pipeline_id>/rename/", pipelines.pipeline_rename, name="pipeline-rename"),
    path("b/<id:board_id>/p/<id:pipeline_id>/move/", pipelines.pipeline_move, name="pipeline-move"),
    path("b/<id:board_id>/p/<id:pipeline_id>/delete/", pipelines.pipeline_delete, name="pipeline-delete"),
    path("b/<id:board_id>/p/<id:pipeline_id>/cards/add/", cards.card_create, name="card-create"),
    path("b/<id:board_id>/c/<id:card_id>/", cards.card_detail, name="card"),
    path("b/<id:board_id>/c/<id:card_id>/edit/", cards.card_edit, name="card-edit"),
    path("b/<id:board_id>/c/<id:card_id>/delete/", cards.card_delete, name="card-delete"),
    path("b/<id:board_id>/c/<id:card_id>/move/", cards.card_move, name="card-move"),
    path("b/<id:board_id>/c/<id:card_id>/release/", cards.card_release, name="card-release"),
    path("b/<id:board_id>/c/<id:card_id>/comments/", comments.comment_create, name="comment-create"),
    path("b/<id:board_id>/comments/<id:comment_id>/", comments.comment_detail, name="comment"),
    path("b/<id:board_id>/comments/<id:comment_id>/edit/", comments.comment_edit, name="comment-edit"),
    path("b/<id:board_id>/comments/<id:comment_id>/delete/", comments.comment_delete, name="comment-delete"),
    path("b/<id:board_id>/c/<id:card_id>/checklists/", checklists.checklist_create, name="checklist-create"),
    path("b/<id:board_id>/checklists/<id:checklist_id>/rename/", checklists.checklist_rename, name="checklist-rename"),
    path("b/<id:board_id>/checklists/<id:checklist_id>/delete/", checklists.checklist_delete, name="checklist-delete"),
    path("b/<id:board_id>/checklists/<id:checklist_id>/items/", checklists.item_create, name="checklist-item-create"),
    path("b/<id:board_id>/items/<id:item_id>/rename/", checklists.item_rename, name="checklist-item-rename"),
    path("b/<id:board_id>/items/<id:item_id>/tick/", checklists.item_tick, name="checklist-item-tick"),
    path("b/<id:board_id>/items/<id:item_id>/move/", checklists.item_move, name="checklist-item-move"),
    path("b/<id:board_id>/items/<id:item_id>/delete/", checklists.item_delete, name="checklist-item-delete"),
    path("b/<id:board_id>/c/<id:card_id>/attachments/", attachments.attachment_create, name="attachment-create"),
    path("b/<id:board_id>/files/<id:attachment_id>/", attachments.attachment_download, name="attachment"),
    path(
        "b/<id:board_id>/files/<id:attachment_id>/preview/",
        attachments.attachment_thumbnail,
        name="attachment-thumbnail",
    ),
    path("b/<id:board_id>/files/<id:attachment_id>/delete/", attachments.attachment_delete, name="attachment-delete"),
    path("b/<id:board_id>/activity/", boards.activity, name="activity"),
    path("b/<id:board_id>/members/", members.members, name="members"),
    path("b/<id:board_id>/members/add/", members.member_add, name="member-add"),
    path("b/<id:board_id>/members/<id:user_id>/role/", members.member_role, name="member-role"),
    path("b/<id:board_id>/members/<id:user_id>/remove/", members.member_remove, name="member-remove"),
]
