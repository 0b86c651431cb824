"""Colour contrast by WCAG 2.x: the brand colour must stay readable on light and dark backgrounds."""

from __future__ import annotations

MINIMUM_TEXT_CONTRAST = 4.5  # WCAG AA for body text


def _channels(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def luminance(colour: str) -> float:
    """Relative luminance of '#rrggbb', 0 (black) to 1 (white)."""

    def linear(value: int) -> float:
        channel = value / 255
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(value) for value in _channels(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio between two colours, 1 to 21."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def mix_with_white(colour: str, amount: float) -> str:
    """'#rrggbb' moved towards white by `amount` (0..1)."""
    return "#" + "".join(
        f"{round(value + (255 - value) * amount):02x}" for value in _channels(colour)
    )


def readable_on(colour: str, background: str, minimum: float = MINIMUM_TEXT_CONTRAST) -> str:
    """The brand colour lightened just enough to be readable on a dark background."""
    for step in range(21):
        candidate = mix_with_white(colour, step / 20)
        if contrast(candidate, background) >= minimum:
            return candidate
    return "#ffffff"
