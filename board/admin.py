"""Admin for every model; saves and deletes go through the services, so open pages update."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from board import services
from board.logins import AdminLoginForm
from board.models import Activity, Board, Card, Comment, EditClaim, Label, Membership, Pipeline, Presence

# The admin's login is throttled like the site's (board.logins): same counts, same pause.
admin.site.login_form = AdminLoginForm


class ServiceAdmin(admin.ModelAdmin):
    """Route admin writes through the services; a refused write shows its message."""

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            self.save_through_services(request, obj, form, change)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), level="error")

    def save_through_services(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        raise NotImplementedError


def _below(siblings: QuerySet, obj: Any) -> int | None:
    """The sibling a rank typed in the admin places `obj` right after (None: first)."""
    below = siblings.filter(position__lt=obj.position).exclude(pk=obj.pk).order_by("-position", "-id")
    return below.values_list("pk", flat=True).first()


@admin.register(Board)
class BoardAdmin(ServiceAdmin):
    list_display = ["name", "owner", "version", "created_at"]
    search_fields = ["name", "owner__username"]
    readonly_fields = ["version"]

    def get_readonly_fields(self, request: HttpRequest, obj: Board | None = None) -> list[str]:
        return ["version", "owner"] if obj else ["version"]

    def save_through_services(self, request: HttpRequest, obj: Board, form: Any, change: bool) -> None:
        if not change:
            created = services.board_create(owner=obj.owner, name=obj.name)
            obj.pk, obj.version = created.pk, created.version
        elif "name" in form.changed_data:
            services.board_rename(board=obj, name=obj.name, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: Board) -> None:
        services.board_delete(board=obj, actor=request.user)


@admin.register(Pipeline)
class PipelineAdmin(ServiceAdmin):
    list_display = ["name", "board", "position"]
    list_filter = ["board"]

    def get_readonly_fields(self, request: HttpRequest, obj: Pipeline | None = None) -> list[str]:
        return ["board"] if obj else ["position"]

    def save_through_services(self, request: HttpRequest, obj: Pipeline, form: Any, change: bool) -> None:
        if not change:
            created = services.pipeline_create(board=obj.board, name=obj.name, actor=request.user)
            obj.pk, obj.position = created.pk, created.position
            return
        if "name" in form.changed_data:
            services.pipeline_rename(pipeline=obj, name=obj.name, actor=request.user)
        if "position" in form.changed_data:
            after = _below(Pipeline.objects.filter(board_id=obj.board_id), obj)
            services.pipeline_move(pipeline=obj, after=after, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: Pipeline) -> None:
        services.pipeline_delete(pipeline=obj, actor=request.user)


@admin.register(Card)
class CardAdmin(ServiceAdmin):
    list_display = ["title", "pipeline", "board", "position", "updated_at"]
    list_filter = ["board"]
    search_fields = ["title", "description"]

    def get_readonly_fields(self, request: HttpRequest, obj: Card | None = None) -> list[str]:
        fixed = ["version", "rev", "updated_by"]
        return [*fixed, "board"] if obj else [*fixed, "board", "position"]

    def save_through_services(self, request: HttpRequest, obj: Card, form: Any, change: bool) -> None:
        if not change:
            created = services.card_create(
                pipeline=obj.pipeline, title=obj.title, description=obj.description, actor=request.user
            )
            obj.pk, obj.board_id, obj.position = created.pk, created.board_id, created.position
            return
        if {"title", "description"} & set(form.changed_data):
            services.card_update(card=obj, title=obj.title, description=obj.description, actor=request.user)
        if {"pipeline", "position"} & set(form.changed_data):
            after = _below(Card.objects.filter(pipeline=obj.pipeline), obj)
            services.card_move(card=obj, pipeline=obj.pipeline, after=after, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: Card) -> None:
        services.card_delete(card=obj, actor=request.user)


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    list_display = ["user", "board", "role"]
    list_filter = ["role", "board"]

    def get_readonly_fields(self, request: HttpRequest, obj: Membership | None = None) -> list[str]:
        return ["board", "user"] if obj else []

    def save_through_services(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        if not change:
            created = services.member_add(
                board=obj.board, username=obj.user.get_username(), role=obj.role, actor=request.user
            )
            obj.pk = created.pk
        elif "role" in form.changed_data:
            services.member_set_role(membership=obj, role=obj.role, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        services.member_remove(membership=obj, actor=request.user)


@admin.register(Comment)
class CommentAdmin(ServiceAdmin):
    """Comments are their authors' words: the admin reads and moderates (deletes) them."""

    list_display = ["card", "author", "created_at", "edited_at"]
    search_fields = ["body", "author__username"]
    readonly_fields = ["card", "author", "body", "created_at", "edited_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Comment) -> None:
        services.comment_delete(comment=obj, actor=request.user, moderator=True)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the services as a side effect of other writes; shown here to look at."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "board", "actor", "kind", "version"]
    list_filter = ["kind", "board"]


@admin.register(EditClaim)
class EditClaimAdmin(ReadOnlyAdmin):
    list_display = ["card", "user", "expires_at"]


@admin.register(Presence)
class PresenceAdmin(ReadOnlyAdmin):
    list_display = ["board", "user", "seen_at"]


@admin.register(Label)
class LabelAdmin(ServiceAdmin):
    """A board's labels; which cards carry one is set on the card's dialog (card_labels_set)."""

    list_display = ["name", "colour", "board"]
    list_filter = ["board", "colour"]
    exclude = ["cards"]

    def get_readonly_fields(self, request: HttpRequest, obj: Label | None = None) -> list[str]:
        return ["board"] if obj else []

    def save_through_services(self, request: HttpRequest, obj: Label, form: Any, change: bool) -> None:
        if not change:
            obj.pk = services.label_create(board=obj.board, name=obj.name, colour=obj.colour, actor=request.user).pk
        else:
            services.label_update(label=obj, name=obj.name, colour=obj.colour, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: Label) -> None:
        services.label_delete(label=obj, actor=request.user)
