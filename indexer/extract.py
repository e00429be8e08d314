"""What the indexer learns from original files without changing them.

Images: EXIF (DateTimeOriginal, make, model) and dimensions through Pillow, and a
perceptual hash (imagehash's pHash) so frames of one body and re-saved copies group
together. Text: the language, when the metadata does not give it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import imagehash
from PIL import ExifTags, Image, UnidentifiedImageError

from evidence.originals import megapixels_refusal

__all__ = ["ImageInfo", "detect_language", "image_info"]

# The languages the archives hold; restricting the detector keeps short texts sane.
LANGUAGES = ["ar", "en", "fr", "de", "es", "nl", "sv", "tr", "fa", "ku"]
IMAGE_FORMATS = {"JPEG", "PNG", "TIFF", "WEBP"}


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    media_type: str
    phash: str
    datetime_original: str | None
    make: str | None
    model: str | None


class ImageError(Exception):
    """The file is not an image we can read."""


def image_info(path: Path) -> ImageInfo:
    """What the image says about itself. Its size is read from the header and checked
    against the cap before any pixel is decoded; Pillow's own decompression-bomb check
    (at its default limit) still refuses anything far larger while opening."""
    try:
        with Image.open(path) as image:
            if image.format not in IMAGE_FORMATS:
                raise ImageError(f"unsupported image format {image.format}")
            if refusal := megapixels_refusal(image.width, image.height):
                raise ImageError(refusal)
            image.load()
            exif = image.getexif()
            sub = exif.get_ifd(ExifTags.IFD.Exif)
            return ImageInfo(
                width=image.width,
                height=image.height,
                media_type=Image.MIME.get(image.format, "application/octet-stream"),
                phash=str(imagehash.phash(image)),
                datetime_original=_clean(sub.get(ExifTags.Base.DateTimeOriginal)),
                make=_clean(exif.get(ExifTags.Base.Make)),
                model=_clean(exif.get(ExifTags.Base.Model)),
            )
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageError(f"corrupt or unreadable image: {error}") from error
    except Image.DecompressionBombError as error:
        raise ImageError(f"image too large: {error}") from error


def _clean(value: object) -> str | None:
    text = str(value).strip("\x00 ") if value is not None else ""
    return text or None


@cache
def _identifier() -> object:
    import py3langid

    py3langid.set_languages(LANGUAGES)
    return py3langid


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None for too little text."""
    sample = text[:5000]
    return _short_language(sample) if len(sample) <= 500 else _language_of(sample)


@lru_cache(maxsize=8192)
def _short_language(sample: str) -> str | None:
    """Cached: photographs of one series often share their findings word for word. Only
    short texts: a cache of 8,192 whole pages of testimony would hold 160 MB."""
    return _language_of(sample)


def _language_of(sample: str) -> str | None:
    if sum(map(str.isalpha, sample)) < 20:
        return None
    language, _score = _identifier().classify(sample)  # type: ignore[attr-defined]
    return str(language)
