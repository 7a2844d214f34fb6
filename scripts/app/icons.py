#!/usr/bin/env python3
"""Draws the phone app's icons (api/app/icon-192.png, icon-512.png): a white "H" on Hadir's
green, with a margin that keeps it inside a maskable icon's safe zone.

    python3 scripts/app/icons.py   # needs Pillow and fonts-dejavu-core
"""
import os

from PIL import Image, ImageDraw, ImageFont

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
GREEN = (15, 107, 79)

for size in (192, 512):
    img = Image.new("RGB", (size, size), GREEN)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, int(size * 0.5))
    box = draw.textbbox((0, 0), "H", font=font)
    w, h = box[2] - box[0], box[3] - box[1]
    draw.text(((size - w) / 2 - box[0], (size - h) / 2 - box[1]), "H", font=font, fill="white")
    # A check mark under the letter: attendance taken.
    s = size / 512
    draw.line([(196 * s, 400 * s), (236 * s, 436 * s), (316 * s, 372 * s)], fill="white",
              width=max(2, int(18 * s)), joint="curve")
    img.save(os.path.join(ROOT, "api", "app", f"icon-{size}.png"), optimize=True)
