"""Board URLs: every sub-object is addressed under its board, so lookups are scoped by it."""

from __future__ import annotations

from django.urls import path

from board import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/signup/", views.signup, name="signup"),
    path("b/<int:board_id>/", views.board_detail, name="board"),
    path("b/<int:board_id>/filter/", views.board_filter, name="board-filter"),
    path("b/<int:board_id>/rename/", views.board_rename, name="board-rename"),
    path("b/<int:board_id>/delete/", views.board_delete, name="board-delete"),
    path("b/<int:board_id>/pipelines/add/", views.pipeline_create, name="pipeline-create"),
    path("b/<int:board_id>/pipelines/order/", views.pipelines_order, name="pipelines-order"),
    path("b/<int:board_id>/p/<int:pipeline_id>/rename/", views.pipeline_rename, name="pipeline-rename"),
    path("b/<int:board_id>/p/<int:pipeline_id>/move/", views.pipeline_move, name="pipeline-move"),
    path("b/<int:board_id>/p/<int:pipeline_id>/delete/", views.pipeline_delete, name="pipeline-delete"),
    path("b/<int:board_id>/p/<int:pipeline_id>/order/", views.pipeline_order, name="pipeline-order"),
    path("b/<int:board_id>/p/<int:pipeline_id>/cards/add/", views.card_create, name="card-create"),
    path("b/<int:board_id>/c/<int:card_id>/", views.card_detail, name="card"),
    path("b/<int:board_id>/c/<int:card_id>/edit/", views.card_edit, name="card-edit"),
    path("b/<int:board_id>/c/<int:card_id>/delete/", views.card_delete, name="card-delete"),
    path("b/<int:board_id>/c/<int:card_id>/move/", views.card_move, name="card-move"),
    path("b/<int:board_id>/c/<int:card_id>/release/", views.card_release, name="card-release"),
    path("b/<int:board_id>/c/<int:card_id>/comments/", views.comment_create, name="comment-create"),
    path("b/<int:board_id>/comments/<int:comment_id>/", views.comment_detail, name="comment"),
    path("b/<int:board_id>/comments/<int:comment_id>/edit/", views.comment_edit, name="comment-edit"),
    path("b/<int:board_id>/comments/<int:comment_id>/delete/", views.comment_delete, name="comment-delete"),
    path("b/<int:board_id>/activity/", views.activity, name="activity"),
    path("b/<int:board_id>/members/", views.members, name="members"),
    path("b/<int:board_id>/members/add/", views.member_add, name="member-add"),
    path("b/<int:board_id>/members/<int:user_id>/role/", views.member_role, name="member-role"),
    path("b/<int:board_id>/members/<int:user_id>/remove/", views.member_remove, name="member-remove"),
]
