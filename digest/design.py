"""The design values that digest's code and its default templates share, each defined once.

The templates read them as the Jinja global `design` (`{{ design.column_width }}px`); the
config checks the brand colour against the same surfaces, and image widths are fitted to the
same column.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Design:
    """Widths in CSS pixels and '#rrggbb' surface colours of the default layout."""

    body_width: int = 600  # the email's card, and the site index's page
    gutter: int = 32  # the card's padding on each side of its one column
    card: str = "#ffffff"  # the card the brand colour is read on
    call_to_action: str = "#f1f5f9"  # the light grey box around a highlight's call to action
    card_dark: str = "#1c2027"  # the card in dark mode
    call_to_action_dark: str = "#262c35"  # the lightest dark surface: the box in dark mode
    thumbnail_width: int = 160  # a story's picture beside its text (above it on phones)
    thumbnail_gap: int = 20  # between the thumbnail and the text beside it
    text: str = "#1f2933"  # body text; the hidden preheader too, so no filter reads it as hidden

    @property
    def column_width(self) -> int:
        """The widest an image or a body can be in the card: 600 less 32 on each side, 536."""
        return self.body_width - 2 * self.gutter

    @property
    def story_text_width(self) -> int:
        """The text beside a thumbnail: the column less the thumbnail and the gap, 356."""
        return self.column_width - self.thumbnail_width - self.thumbnail_gap

    @property
    def light_surfaces(self) -> dict[str, str]:
        """The light surfaces the brand colour must be readable on, with what a person calls them."""
        return {
            self.card: "white",
            self.call_to_action: "the light grey of call-to-action boxes",
        }


DESIGN = Design()
