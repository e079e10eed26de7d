"""What the API reads and writes: plain shapes of boards, pipelines, cards and comments."""

from __future__ import annotations

from rest_framework import serializers

from board.models import COMMENT_MAX, DESCRIPTION_MAX, MAX_ID, TITLE_MAX, Board, Card, Comment, Pipeline


class CardSerializer(serializers.ModelSerializer):
    pipeline = serializers.IntegerField(source="pipeline_id", read_only=True)

    class Meta:
        model = Card
        fields = ["id", "pipeline", "title", "description", "version", "created_at", "updated_at"]
        read_only_fields = fields


class PipelineSerializer(serializers.ModelSerializer):
    class Meta:
        model = Pipeline
        fields = ["id", "name"]
        read_only_fields = fields


class PipelineWithCardsSerializer(PipelineSerializer):
    cards = CardSerializer(many=True, read_only=True)

    class Meta(PipelineSerializer.Meta):
        fields = ["id", "name", "cards"]
        read_only_fields = fields


class BoardSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)
    role = serializers.CharField(read_only=True, help_text="Your role on the board: owner, editor or viewer.")

    class Meta:
        model = Board
        fields = ["id", "name", "owner", "role", "version", "created_at"]
        read_only_fields = fields


class BoardDetailSerializer(BoardSerializer):
    pipelines = PipelineWithCardsSerializer(many=True, read_only=True)

    class Meta(BoardSerializer.Meta):
        fields = [*BoardSerializer.Meta.fields, "pipelines"]
        read_only_fields = fields


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = ["id", "card", "author", "body", "created_at", "edited_at"]
        read_only_fields = fields

    def get_author(self, comment: Comment) -> str:
        return comment.imported_author or comment.author.get_username()


Id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class NameIn(serializers.Serializer):
    name = serializers.CharField(max_length=TITLE_MAX)


class CardIn(serializers.Serializer):
    pipeline = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    title = serializers.CharField(max_length=TITLE_MAX)
    description = serializers.CharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True, default="")


class CardUpdateIn(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX, required=False)
    description = serializers.CharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True)
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The card version the change is based on: an older one is refused (409)."
    )


class MoveIn(serializers.Serializer):
    after = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        allow_null=True,
        help_text="The id of the item to place it right after (null: first).",
    )
    before = serializers.IntegerField(min_value=1, max_value=MAX_ID, allow_null=True, required=False, default=None)


class CardMoveIn(MoveIn):
    pipeline = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class CommentIn(serializers.Serializer):
    body = serializers.CharField(max_length=COMMENT_MAX)
