"""The colours of everything the studio draws: slides, cover cards, share posters and clinic posters.

One palette so a patient recognises the studio's material wherever it reaches
them: calm, high-contrast (ink on the background about 15:1, muted text and the
accent on white above 5.5:1, WCAG AA) and safe to print.
"""

from __future__ import annotations

RGB = tuple[int, int, int]

BACKGROUND: RGB = (246, 248, 251)
CARD: RGB = (255, 255, 255)
INK: RGB = (26, 34, 46)
MUTED: RGB = (86, 98, 116)
ACCENT: RGB = (0, 118, 106)
ACCENT_LIGHT: RGB = (226, 241, 239)
WARNING_INK: RGB = (163, 44, 10)
WARNING_CARD: RGB = (255, 241, 224)
