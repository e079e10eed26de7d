"""What an open board page shows, as the script keeps it: the order of pipelines and cards.

A test builds a page from the board page's HTML, feeds it the steps of socket messages and
HTTP answers in the order a browser would get them, and compares what it shows with the
database. The rules are static/board.js's: a step is applied only on top of the one before;
a placement needs the item and its new neighbour on the page; a part for something the page
lacks makes the step not fit (the page then asks for the whole board), unless it is optional
(`data-opt`) or a deletion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    children: list[Node] = field(default_factory=list)
    text: str = ""

    @property
    def id(self) -> str | None:
        return self.attrs.get("id")

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].text += data


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def _ids(nodes: list[Node], prefix: str) -> list[int]:
    return [int(n.id[len(prefix) :]) for n in nodes if n.id and re.fullmatch(rf"{prefix}\d+", n.id)]


class Page:
    """Pipelines in order, each with its cards in order, and the board version shown."""

    def __init__(self, html: str) -> None:
        root = parse(html)
        live = next((n for n in root.walk() if n.id == "live"), None)
        self.shown = int(live.attrs.get("data-v") or 0) if live is not None else 0
        self.pipelines: list[int] = []
        self.cards: dict[int, list[int]] = {}
        self.counts: dict[int, int] = {}
        self.pending: dict[int, tuple[Node, bool]] = {}
        self.resyncs = 0
        strip = next(n for n in root.walk() if n.id == "pipelines")
        self._load_strip(strip)

    def _load_strip(self, strip: Node) -> None:
        self.pipelines, self.cards = [], {}
        for section in strip.children:
            self._add_pipeline(section)

    def _add_pipeline(self, section: Node) -> None:
        if not (section.id and section.id.startswith("pipeline-")):
            return
        pipeline = int(section.id.split("-")[1])
        self.pipelines.append(pipeline)
        ol = next(n for n in section.walk() if n.id == f"cards-{pipeline}")
        self.cards[pipeline] = _ids(ol.children, "card-")

    def order(self) -> dict[int, list[int]]:
        return {pipeline: list(self.cards[pipeline]) for pipeline in self.pipelines}

    # the script's steps

    def receive(self, html: str) -> None:
        """A socket message or an HTTP answer: file its steps, apply those that follow on."""
        for node in parse(html).children:
            if node.tag == "template" and "data-step" in node.attrs:
                version, whole = int(node.attrs["data-step"]), "data-whole" in node.attrs
                if version > self.shown or (whole and version >= self.shown):
                    self.pending[version] = (node, whole)
        self._drain()

    @property
    def waiting(self) -> bool:
        """Steps held for a version not received yet (the page would ask for the board after a while)."""
        return bool(self.pending)

    def _drain(self) -> None:
        whole = [v for v, (_, is_whole) in self.pending.items() if is_whole]
        if whole:
            version = max(whole)
            self._load_strip(next(n for n in self.pending[version][0].walk() if n.id == "pipelines"))
            self.shown = version
        self.pending = {v: step for v, step in self.pending.items() if v > self.shown}
        while self.shown + 1 in self.pending:
            node, _ = self.pending.pop(self.shown + 1)
            self.shown += 1
            if not self._apply(node):
                self.shown -= 1  # not shown: the whole board is asked for
                self.pending = {}
                self.resyncs += 1
                return

    def _where(self, card: int) -> int | None:
        return next((p for p, cards in self.cards.items() if card in cards), None)

    def _apply(self, step: Node) -> bool:
        fits = True
        for part in step.children:
            fits = self._part(part) and fits
        return fits

    def _part(self, part: Node) -> bool:  # noqa: PLR0911 - one branch per kind of part
        oob = part.attrs.get("hx-swap-oob") or "true"
        if "data-in" in part.attrs:
            return self._place(part)
        if oob == "delete":
            kind, number = part.id.rsplit("-", 1)
            if kind == "card" and (where := self._where(int(number))) is not None:
                self.cards[where].remove(int(number))
            elif kind == "pipeline" and int(number) in self.pipelines:
                self.pipelines.remove(int(number))
                del self.cards[int(number)]
            return True
        if oob.startswith("beforeend:#cards-"):
            pipeline = int(oob.rsplit("-", 1)[1])
            if pipeline not in self.cards:
                return False
            self.cards[pipeline].extend(_ids(part.children, "card-"))
            return True
        if oob == "beforebegin:#pipelines-end":
            for section in part.children:
                self._add_pipeline(section)
            return True
        if part.id and part.id.startswith("count-"):
            self.counts[int(part.id[6:])] = int(part.text.split("/")[0])  # "4" or "4 / 5 over limit"
            return int(part.id[6:]) in self.cards
        if part.id == "pipelines":
            self._load_strip(part)
            return True
        if part.id and part.id.startswith("card-"):
            return self._where(int(part.id[5:])) is not None
        return True

    def _place(self, part: Node) -> bool:
        item, parent, after = part.id, part.attrs["data-in"], part.attrs.get("data-after")
        if item.startswith("card-"):
            card, pipeline = int(item[5:]), int(parent[6:])
            source = self._where(card)
            target = self.cards.get(pipeline)
            prev = int(after[5:]) if after else None
            if source is None or target is None or (prev is not None and prev not in target):
                return False
            self.cards[source].remove(card)
            target.insert(target.index(prev) + 1 if prev is not None else 0, card)
            return True
        pipeline, prev = int(item[9:]), int(after[9:]) if after else None
        if pipeline not in self.pipelines or (prev is not None and prev not in self.pipelines):
            return False
        self.pipelines.remove(pipeline)
        self.pipelines.insert(self.pipelines.index(prev) + 1 if prev is not None else 0, pipeline)
        return True


def page_of(client, board) -> Page:
    """The page `client` gets for the board now."""
    from django.urls import reverse

    return Page(client.get(reverse("board", args=[board.pk])).content.decode())


def step_of(write) -> str:
    """The step a write made somewhere else (what the page gets over its socket)."""
    from board.live.origin import capture

    with capture() as captured:
        write()
    return captured.html


def board_order(board) -> dict[int, list[int]]:
    """What the database says a page should show: pipelines in order, each with its cards in order."""
    from board.models import Card, Pipeline

    pipelines = list(Pipeline.objects.filter(board=board).order_by("position", "id").values_list("id", flat=True))
    order: dict[int, list[int]] = {pipeline: [] for pipeline in pipelines}
    for card, pipeline in Card.objects.filter(board=board).order_by("position", "id").values_list("id", "pipeline"):
        order[pipeline].append(card)
    return order
