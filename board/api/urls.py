"""/api/v1/: boards, pipelines, cards, comments; the OpenAPI schema at /api/v1/schema/."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from board import converters  # noqa: F401 - registers <id:...>
from board.api import views

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("boards/", views.BoardList.as_view(), name="api-boards"),
    path("boards/<id:board_id>/", views.BoardDetail.as_view(), name="api-board"),
    path("boards/<id:board_id>/pipelines/", views.PipelineList.as_view(), name="api-pipelines"),
    path("boards/<id:board_id>/pipelines/<id:pipeline_id>/", views.PipelineDetail.as_view(), name="api-pipeline"),
    path(
        "boards/<id:board_id>/pipelines/<id:pipeline_id>/move/", views.PipelineMove.as_view(), name="api-pipeline-move"
    ),
    path("boards/<id:board_id>/cards/", views.CardList.as_view(), name="api-cards"),
    path("boards/<id:board_id>/cards/<id:card_id>/", views.CardDetail.as_view(), name="api-card"),
    path("boards/<id:board_id>/cards/<id:card_id>/move/", views.CardMove.as_view(), name="api-card-move"),
    path("boards/<id:board_id>/cards/<id:card_id>/comments/", views.CommentList.as_view(), name="api-comments"),
]
