"""What a phone shows of a public page: whether it fits the screen, which fonts drew its text, how large."""

from __future__ import annotations

CJK_FONT_FAMILIES = ("Noto Sans CJK", "Noto Serif CJK", "Source Han", "PingFang", "Microsoft YaHei", "WenQuanYi")


def horizontal_overflow(phone) -> int:
    """How many CSS pixels the page is wider than the phone's screen (0 or less when it fits).

    Compared with the device width, not innerWidth: a mobile browser widens the layout
    viewport (and zooms out) to fit content that overflows, which would hide the overflow."""
    screen_width = phone.viewport_size["width"]
    return phone.evaluate("Math.max(document.documentElement.scrollWidth, window.innerWidth)") - screen_width


def platform_fonts(phone, selector: str) -> dict[str, int]:
    """The fonts Chromium actually drew a node's text with, and how many glyphs each drew."""
    session = phone.context.new_cdp_session(phone)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument")["root"]["nodeId"]
    node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    session.detach()
    return {font["familyName"]: font["glyphCount"] for font in fonts}


def font_size(phone, selector: str) -> float:
    return phone.eval_on_selector(selector, "node => parseFloat(getComputedStyle(node).fontSize)")
