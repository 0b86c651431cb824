"""Make the sample feeds' pictures: illustrations standing in for the photos the saved feeds name.

The saved feeds link pictures on their sites (www.icr.example.org, www.oslocancercluster.example),
which do not exist; digest.toml's `[images] saved` reads them from this folder instead, so the
sample shows its pictures on a fresh clone with no network. Run once, deterministically
(`.venv/bin/python feeds/saved-images/make_images.py`): the same Pillow writes the same bytes.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).parent
ICR = "www.icr.example.org/images/news"
OCC = "www.oslocancercluster.example/wp-content/uploads"
PICTURES = {  # path below this folder -> (size, caption, palette)
    f"{ICR}/2025/maja-radulovic.jpg": ((800, 533), "Maja Radulovic", ("#1f5a96", "#8ec5ff")),
    f"{ICR}/2025/johanna-olweus.jpg": ((800, 533), "Johanna Olweus", ("#5b2a86", "#f0b3ff")),
    f"{ICR}/2025/predi-lynch-kickoff.jpg": ((800, 533), "PREDI-LYNCH kick-off", ("#0f6e5c", "#a6f0d8")),
    f"{ICR}/2025/skanland-hermansen.jpg": ((800, 533), "Skånland and Hermansen", ("#8a3b12", "#ffd3a6")),
    f"{ICR}/2024/anette-weyergang.jpg": ((800, 533), "Anette Weyergang", ("#7a1f3d", "#ffb3c9")),
    f"{ICR}/2017/borresen-dale.jpg": ((640, 427), "A-L. Børresen-Dale", ("#2d4a22", "#c8f0a6")),
    f"{ICR}/2017/jorgen-wesche.jpg": ((640, 427), "Jørgen Wesche", ("#1d3557", "#a8dadc")),
    f"{ICR}/2017/seglen-ohsumi.jpg": ((640, 427), "Seglen and Ohsumi", ("#6d597a", "#eaac8b")),
    f"{ICR}/2017/kaufmann-westlye.jpg": ((640, 427), "Kaufmann and Westlye", ("#264653", "#e9c46a")),
    f"{OCC}/2023/04/innovation-park-phase-2-dark-arkitekter.jpg": (
        (1200, 800), "Oslo Science Park, phase 2", ("#22333b", "#c6ac8f")),
    f"{OCC}/2023/01/einarsson-norum.jpg": ((1200, 800), "Einarsson and Norum", ("#003049", "#fcbf49")),
    f"{OCC}/2022/12/janne-nestvold-biostock-2022-1024x683.jpg": (
        (1024, 683), "Janne Nestvold at BioStock", ("#3a0ca3", "#4cc9f0")),
}  # fmt: skip


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def picture(size: tuple[int, int], caption: str, palette: tuple[str, str], seed: str) -> Image.Image:
    """A soft, photo-like scene: a gradient, blurred cells under a lens, and a caption."""
    width, height = size
    dark, light = _rgb(palette[0]), _rgb(palette[1])
    gradient = Image.linear_gradient("L").resize(size).rotate(30, expand=False, fillcolor=128)
    image = Image.composite(Image.new("RGB", size, light), Image.new("RGB", size, dark), gradient)
    draw = ImageDraw.Draw(image, "RGBA")
    chance = random.Random(seed)
    for _ in range(28):
        x, y = chance.uniform(0, width), chance.uniform(0, height)
        radius = chance.uniform(height * 0.04, height * 0.18)
        shade = (*(light if chance.random() < 0.5 else dark), chance.randint(60, 150))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=shade)
    image = image.filter(ImageFilter.GaussianBlur(height / 60))
    draw = ImageDraw.Draw(image, "RGBA")
    band = round(height * 0.14)
    draw.rectangle((0, height - band, width, height), fill=(0, 0, 0, 120))
    font = ImageFont.load_default(size=round(band * 0.45))
    draw.text((round(width * 0.04), height - band / 2), caption, fill="white", font=font, anchor="lm")
    return image


def main() -> None:
    for name, (size, caption, palette) in PICTURES.items():
        path = HERE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        picture(size, caption, palette, name).save(path, "JPEG", quality=80, optimize=True)
        print(f"{path.relative_to(HERE)}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
