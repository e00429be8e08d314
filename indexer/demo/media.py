"""Placeholder images: abstract JPEGs that stand in for photographs.

A placeholder is a plain background with geometric shapes, the word SYNTHETIC and the
photo id: never a face or a body. Frames of one body are the same base picture shifted
and brightened slightly, so perceptual hashes of one body are close and those of
different bodies are far apart, which is what near-duplicate grouping needs to be
tested on. EXIF carries Make `SYNTHETIC` so no demo file can pass for a camera original.
"""

from __future__ import annotations

import io
from datetime import datetime
from functools import lru_cache
from random import Random

from PIL import Image, ImageDraw, ImageEnhance, ImageFont
from PIL.ExifTags import IFD, Base

__all__ = ["SIZE", "base_picture", "frame_jpeg"]

SIZE = (320, 240)
_MARGIN = 3  # the base is larger than a frame by this much, so frames can shift


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _colour(rng: Random, low: int, high: int) -> tuple[int, int, int]:
    return (rng.randint(low, high), rng.randint(low, high), rng.randint(low, high))


def base_picture(rng: Random) -> Image.Image:
    """The abstract picture shared by every frame of one body."""
    width, height = SIZE[0] + _MARGIN, SIZE[1] + _MARGIN
    image = Image.new("RGB", (width, height), _colour(rng, 70, 230))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(5, 8)):
        x0, y0 = rng.randrange(width - 60), rng.randrange(height - 60)
        box = (x0, y0, x0 + rng.randint(60, 200), y0 + rng.randint(50, 150))
        fill = _colour(rng, 0, 70) if rng.random() < 0.5 else _colour(rng, 190, 255)
        shape = rng.choice(("rectangle", "ellipse", "triangle"))
        if shape == "rectangle":
            draw.rectangle(box, fill=fill)
        elif shape == "ellipse":
            draw.ellipse(box, fill=fill)
        else:
            draw.polygon([(box[0], box[3]), ((box[0] + box[2]) // 2, box[1]), box[2:]], fill=fill)
    draw.text(
        (width // 2, rng.randint(height // 4, height * 3 // 4)),
        "SYNTHETIC",
        font=_font(44),
        fill=(255, 255, 255),
        anchor="mm",
        stroke_width=3,
        stroke_fill=(0, 0, 0),
    )
    return image


def _exif(taken: datetime | None) -> bytes:
    exif = Image.Exif()
    exif[Base.Make] = "SYNTHETIC"
    exif[Base.Model] = "DEMO-CAM"
    exif[Base.ImageDescription] = "SYNTHETIC placeholder for demo data, not a photograph"
    exif[Base.Software] = "indexer.demo"
    if taken is not None:
        stamp = taken.strftime("%Y:%m:%d %H:%M:%S")
        exif[Base.DateTime] = stamp
        exif.get_ifd(IFD.Exif)[Base.DateTimeOriginal] = stamp
    return exif.tobytes()


def frame_jpeg(base: Image.Image, rng: Random, label: str, taken: datetime | None) -> bytes:
    """One frame of a body: the base shifted by a few pixels, brightness nudged, labelled."""
    dx, dy = rng.randint(0, _MARGIN), rng.randint(0, _MARGIN)
    image = base.crop((dx, dy, dx + SIZE[0], dy + SIZE[1]))
    image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.95, 1.05))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, SIZE[1] - 22, SIZE[0], SIZE[1]), fill=(0, 0, 0))
    draw.text((6, SIZE[1] - 19), f"{label}  DEMO PLACEHOLDER", font=_font(14), fill=(255, 255, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80, exif=_exif(taken))
    return buffer.getvalue()
