"""Boards hold ordered pipelines; pipelines hold ordered cards; members share a board."""

from __future__ import annotations

from django.conf import settings
from django.db import models

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


class Board(models.Model):
    name = models.CharField(max_length=TITLE_MAX)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="owned_boards")
    # Bumped by every write under the board's row lock: fragments carry it so pages
    # can drop a fragment older than what they already show.
    version = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=[(Role.EDITOR, "Editor"), (Role.VIEWER, "Viewer")])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["board", "user"], name="one_membership_per_user")]
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) on {self.board}"


class Pipeline(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="pipelines")
    name = models.CharField(max_length=TITLE_MAX)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["board", "position"])]

    def __str__(self) -> str:
        return self.name


class Card(models.Model):
    # The board is stored on the card too, so every lookup can be scoped by board in one query.
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="cards")
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="cards")
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX)
    position = models.PositiveIntegerField(default=0)
    # Bumped on every edit of the card's text: a save based on an older one is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["pipeline", "position"])]

    def __str__(self) -> str:
        return self.title
