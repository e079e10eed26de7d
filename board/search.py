"""The filter's one notion of "contains": width- and case-insensitive (NFKC, then case folding).

`ＡＢＣ` finds `abc`, `ｶﾅ` finds `カナ`, `Straße` finds `STRASSE`. A card's normalized text is
stored with it (Card.search, written by the card services), so both databases compare the
same normalized strings the same way (a plain LIKE): no collation or database function decides.
"""

from __future__ import annotations

import unicodedata


def normalized(text: str) -> str:
    # NFKC folds widths and compatibility forms; case folding after it can make new
    # compatibility forms, so NFKC once more (Unicode's NFKC_Casefold, as near as Python says).
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text or "").casefold())


def card_text(title: str, description: str) -> str:
    """What a card's filter looks through: its title and description (a line break between)."""
    return normalized(f"{title}\n{description}")
