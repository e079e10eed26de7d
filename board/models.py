"""Boards hold ordered pipelines; pipelines hold ordered cards; members share a board."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
CLAIM_TTL = timedelta(minutes=5)  # an edit form left open this long stops counting as a claim
# An open page not heard from this long is gone (its process beats every 3 s: board.live.presence):
# a killed process's pages leave the "here now" list within this and one beat.
PRESENCE_TTL = timedelta(seconds=10)
WIP_LIMIT_MAX = 1000  # a work-in-progress limit above this is no limit anyone means
MAX_ID = 2**63 - 1  # ids are 64-bit signed integers (BigAutoField): a larger number names nothing


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")


class Board(models.Model):
    name = models.CharField(max_length=TITLE_MAX)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="owned_boards")
    # Bumped by every write under the board's row lock: fragments carry it so pages
    # can drop a fragment older than what they already show.
    version = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # WIP limits: hard ones refuse a move or a new card into a full pipeline; soft ones only mark it.
    hard_limits = models.BooleanField(default=False)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=[(Role.EDITOR, _("Editor")), (Role.VIEWER, _("Viewer"))])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["board", "user"], name="one_membership_per_user")]
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) on {self.board}"


class Pipeline(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="pipelines")
    name = models.CharField(max_length=TITLE_MAX)
    # A gapped rank (see services.ranks): a move writes only the moved row.
    position = models.BigIntegerField(default=0)
    # At most this many cards should be in the pipeline (None: no limit); see Board.hard_limits.
    wip_limit = models.PositiveIntegerField(null=True, blank=True)

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
    # Title and description as the filter compares them (board.search.card_text): written by
    # the card services with the text, so a filter is one LIKE on either database.
    search = models.TextField(blank=True, default="", editable=False)
    position = models.BigIntegerField(default=0)  # a gapped rank within its pipeline
    # Bumped on every edit of the card's text: a save based on an older one is refused.
    version = models.PositiveIntegerField(default=1)
    # The board version at which the card's fragment last changed (text, comments, edit
    # claim; not its place): pages order card fragments by it.
    rev = models.PositiveBigIntegerField(default=0)
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


COMMENT_MAX = 5_000


class Comment(models.Model):
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=COMMENT_MAX)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Who wrote it, as an imported file named them (a Trello member, an exported board's
    # commenter): shown instead of `author`, the person who imported it.
    imported_author = models.CharField(max_length=TITLE_MAX, blank=True, default="")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author} on {self.card}"


class Activity(models.Model):
    """One event of a board (see board.events): who did what, when, as data, not prose.

    It drives the activity line (rendered in the reader's language), the live broadcast,
    and what later reads the board's changes.
    """

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="activities")
    # Kept when the card goes: the line still says what happened to it.
    card = models.ForeignKey(Card, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)
    # The board's version this event made (0 for events older than versioned events).
    version = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["board", "-id"]),
            models.Index(fields=["card", "-id"]),
            models.Index(fields=["board", "version"], name="board_activ_board_version_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on board {self.board_id}"


class EditClaim(models.Model):
    """Someone has a card's edit form open; others see a badge and are asked before saving over it."""

    card = models.OneToOneField(Card, on_delete=models.CASCADE, related_name="claim")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The open page holding the form: its socket closing ends the claim.
    page = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user} editing {self.card}"


class Presence(models.Model):
    """An open board page (one per tab); a person with two tabs counts once."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    page = models.CharField(max_length=64)
    seen_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["board", "seen_at"])]

    def __str__(self) -> str:
        return f"{self.user} on {self.board}"


class Theme(models.TextChoices):
    SYSTEM = "system", _("System")
    LIGHT = "light", _("Light")
    DARK = "dark", _("Dark")


class Profile(models.Model):
    """A person's own settings; a person without a row has the defaults."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    # One of settings.LANGUAGES, or "" for the browser's Accept-Language.
    language = models.CharField(max_length=10, blank=True, default="")
    theme = models.CharField(max_length=10, choices=Theme.choices, default=Theme.SYSTEM)
    email_notifications = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"settings of {self.user}"


class TokenScope(models.TextChoices):
    READ = "read", "Read only"
    WRITE = "write", "Read and write"


class ApiToken(models.Model):
    """A personal API token: only its SHA-256 is kept; the token itself is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)  # the first characters, so a person can tell tokens apart
    scope = models.CharField(max_length=10, choices=TokenScope.choices, default=TokenScope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user}"


class Webhook(models.Model):
    """A URL the board's events are POSTed to, signed with the hook's own secret."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=64)
    events = models.JSONField(default=list)  # event kinds (board.events) this hook is sent
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"hook {self.pk} of board {self.board_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    """One event sent (or to be sent) to one hook, with what its receiver answered."""

    hook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    uid = models.UUIDField(unique=True)  # the delivery id header: receivers drop a repeat
    kind = models.CharField(max_length=40)
    body = models.TextField()  # the exact bytes signed and sent (UTF-8 JSON)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["hook", "-id"])]

    def __str__(self) -> str:
        return f"{self.kind} to hook {self.hook_id}: {self.status}"


# --- Labels (a board's own palette; any number on a card) ---
# The colours are the pairs --label-<colour> / --label-<colour>-text of static/board.css.
class LabelColour(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    ORANGE = "orange", _("Orange")
    RED = "red", _("Red")
    PURPLE = "purple", _("Purple")
    BLUE = "blue", _("Blue")
    SKY = "sky", _("Sky")
    LIME = "lime", _("Lime")
    MAGENTA = "magenta", _("Magenta")
    GRAY = "gray", _("Gray")


LABEL_NAME_MAX = 50


class Label(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=LABEL_NAME_MAX)
    colour = models.CharField(max_length=10, choices=LabelColour.choices, default=LabelColour.GRAY)
    # Declared here, not on Card, so the feature stays in one block; card.labels reads them.
    cards = models.ManyToManyField(Card, related_name="labels", blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["board", "name"], name="one_label_name_per_board")]

    def __str__(self) -> str:
        return self.name
