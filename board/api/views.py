"""The REST API: the web's selectors for reads and its services for writes (live on open pages).

Same roles as the web: a stranger's board is 404 (ids reveal nothing), a viewer cannot write
(403), a read-only token cannot write (403). Archive and labels wait for their models.
"""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, Subquery
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from board import selectors, services
from board.api import serializers as s
from board.models import Board, Card, Comment, Membership, Pipeline, Role
from board.selectors import Access


def access_for(request: Request, board_id: int, *, write: bool = False) -> Access:
    access = selectors.board_access(board_id=board_id, user=request.user)
    if write and not access.can_edit:
        raise exceptions.PermissionDenied("Viewers cannot change this board.", code="viewer_cannot_write")
    return access


def _valid(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class BoardList(generics.ListAPIView):
    """The boards you own or are a member of, with your role, a page at a time."""

    serializer_class = s.BoardSerializer

    def get_queryset(self):
        user = self.request.user
        member_role = Membership.objects.filter(board=OuterRef("pk"), user=user).values("role")[:1]
        mine = Board.objects.filter(owner=user) | Board.objects.filter(memberships__user=user)
        boards = mine.distinct().select_related("owner").annotate(member_role=Subquery(member_role)).order_by("id")
        return boards

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        for board in page:
            board.role = Role.OWNER.value if board.owner_id == request.user.pk else board.member_role
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class BoardDetail(APIView):
    @extend_schema(responses=s.BoardDetailSerializer)
    def get(self, request: Request, board_id: int) -> Response:
        """One board with its pipelines and their cards, in order."""
        access = access_for(request, board_id)
        board = access.board
        board.role = access.role
        cards = Prefetch("cards", queryset=Card.objects.order_by("position", "id"))
        pipelines = Pipeline.objects.filter(board=board).prefetch_related(cards)
        data = s.BoardSerializer(board).data
        data["pipelines"] = s.PipelineWithCardsSerializer(pipelines, many=True).data
        return Response(data)


class PipelineList(APIView):
    @extend_schema(request=s.NameIn, responses={201: s.PipelineSerializer})
    def post(self, request: Request, board_id: int) -> Response:
        """Add a pipeline at the end of the board."""
        access = access_for(request, board_id, write=True)
        pipeline = services.pipeline_create(
            board=access.board, name=_valid(s.NameIn, request)["name"], actor=request.user
        )
        return Response(s.PipelineSerializer(pipeline).data, status=status.HTTP_201_CREATED)


class PipelineDetail(APIView):
    @extend_schema(request=s.NameIn, responses=s.PipelineSerializer)
    def patch(self, request: Request, board_id: int, pipeline_id: int) -> Response:
        """Rename a pipeline."""
        access = access_for(request, board_id, write=True)
        pipeline = selectors.pipeline_of_board(board=access.board, pipeline_id=pipeline_id)
        name = _valid(s.NameIn, request)["name"]
        return Response(
            s.PipelineSerializer(services.pipeline_rename(pipeline=pipeline, name=name, actor=request.user)).data
        )

    @extend_schema(responses={204: None})
    def delete(self, request: Request, board_id: int, pipeline_id: int) -> Response:
        """Delete a pipeline and its cards."""
        access = access_for(request, board_id, write=True)
        pipeline = selectors.pipeline_of_board(board=access.board, pipeline_id=pipeline_id)
        services.pipeline_delete(pipeline=pipeline, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PipelineMove(APIView):
    @extend_schema(request=s.MoveIn, responses=s.PipelineSerializer)
    def post(self, request: Request, board_id: int, pipeline_id: int) -> Response:
        """Place a pipeline right after another (after: null puts it first)."""
        access = access_for(request, board_id, write=True)
        pipeline = selectors.pipeline_of_board(board=access.board, pipeline_id=pipeline_id)
        data = _valid(s.MoveIn, request)
        moved = services.pipeline_move(
            pipeline=pipeline, after=data["after"], before=data["before"], actor=request.user
        )
        return Response(s.PipelineSerializer(moved).data)


class CardList(APIView):
    @extend_schema(request=s.CardIn, responses={201: s.CardSerializer})
    def post(self, request: Request, board_id: int) -> Response:
        """Add a card at the end of a pipeline of the board."""
        access = access_for(request, board_id, write=True)
        data = _valid(s.CardIn, request)
        pipeline = selectors.pipeline_of_board(board=access.board, pipeline_id=data["pipeline"])
        card = services.card_create(
            pipeline=pipeline, title=data["title"], description=data["description"], actor=request.user
        )
        return Response(s.CardSerializer(card).data, status=status.HTTP_201_CREATED)


class CardDetail(APIView):
    @extend_schema(responses=s.CardSerializer)
    def get(self, request: Request, board_id: int, card_id: int) -> Response:
        """One card."""
        access = access_for(request, board_id)
        return Response(s.CardSerializer(selectors.card_of_board(board=access.board, card_id=card_id)).data)

    @extend_schema(request=s.CardUpdateIn, responses=s.CardSerializer)
    def patch(self, request: Request, board_id: int, card_id: int) -> Response:
        """Change a card's title or description (with `version`, a change based on an older one is refused)."""
        access = access_for(request, board_id, write=True)
        card = selectors.card_of_board(board=access.board, card_id=card_id)
        data = _valid(s.CardUpdateIn, request)
        updated = services.card_update(
            card=card,
            title=data.get("title", card.title),
            description=data.get("description", card.description),
            base_version=data.get("version"),
            actor=request.user,
        )
        return Response(s.CardSerializer(updated).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, board_id: int, card_id: int) -> Response:
        """Delete a card."""
        access = access_for(request, board_id, write=True)
        services.card_delete(card=selectors.card_of_board(board=access.board, card_id=card_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CardMove(APIView):
    @extend_schema(request=s.CardMoveIn, responses=s.CardSerializer)
    def post(self, request: Request, board_id: int, card_id: int) -> Response:
        """Place a card in a pipeline, right after another card (after: null puts it at the top)."""
        access = access_for(request, board_id, write=True)
        card = selectors.card_of_board(board=access.board, card_id=card_id)
        data = _valid(s.CardMoveIn, request)
        pipeline = selectors.pipeline_of_board(board=access.board, pipeline_id=data["pipeline"])
        moved = services.card_move(
            card=card, pipeline=pipeline, after=data["after"], before=data["before"], actor=request.user
        )
        return Response(s.CardSerializer(moved).data)


class CommentList(generics.ListAPIView):
    """A card's comments, oldest first; any member (viewers too, as on the web) may add one."""

    serializer_class = s.CommentSerializer

    def get_queryset(self):
        access = access_for(self.request, self.kwargs["board_id"])
        card = selectors.card_of_board(board=access.board, card_id=self.kwargs["card_id"])
        return Comment.objects.filter(card=card).select_related("author").order_by("created_at", "id")

    @extend_schema(request=s.CommentIn, responses={201: s.CommentSerializer})
    def post(self, request: Request, board_id: int, card_id: int) -> Response:
        access = access_for(request, board_id)
        card = selectors.card_of_board(board=access.board, card_id=card_id)
        comment = services.comment_create(card=card, author=request.user, body=_valid(s.CommentIn, request)["body"])
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
