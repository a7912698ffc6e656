"""A report printed and scanned, simulated: its text set in DejaVu Sans at 11 pt on A4 pages, each page turned a
little (alternately ``skew`` and -0.6 × ``skew`` degrees), with the grey noise, specks and slight blur of an office
scanner, saved as an image-only PDF at ``dpi``. Used by the OCR tests and the benchmark."""
from __future__ import annotations

import textwrap
from pathlib import Path

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def scan(text: str, out: Path, dpi: int = 200, skew: float = 0.8, seed: int = 7) -> int:
    """Write the scan of ``text`` to ``out``; returns its number of pages."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    rng = np.random.default_rng(seed)
    font = ImageFont.truetype(FONT, int(11 / 72 * dpi))
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    margin, leading = int(0.9 * dpi), int(11 / 72 * dpi * 1.45)
    lines: list[str] = []
    for para in text.split("\n"):
        lines += textwrap.wrap(para.replace("\t", "    "), 88) or [""]
    per = (height - 2 * margin) // leading
    pages = []
    for k in range(0, len(lines), per):
        img = Image.new("L", (width, height), 255)
        d = ImageDraw.Draw(img)
        for j, ln in enumerate(lines[k:k + per]):
            d.text((margin, margin + j * leading), ln, font=font, fill=20)
        angle = skew if (k // per) % 2 == 0 else -0.6 * skew
        img = img.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
        arr = np.asarray(img).astype(np.int16) + rng.normal(0, 18, (height, width)).astype(np.int16)
        arr[rng.random(arr.shape) < 0.002] = 0
        pages.append(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.5)))
    pages[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=pages[1:])
    return len(pages)
