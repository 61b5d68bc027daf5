"""Form data for posting an article through Wagtail's admin edit and create views."""

import hashlib

from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield


def article_form(title: str, text: str, slug: str = "", summary: str = "A short summary.") -> dict:
    return nested_form_data({
        "title": title,
        # Chinese titles slugify to "", so fall back to a stable hash of the title.
        "slug": slug or (title.lower().replace(" ", "-") if title.isascii()
                         else "article-" + hashlib.sha1(title.encode()).hexdigest()[:10]),
        "summary": summary,
        "body": streamfield([("paragraph", rich_text(f"<p>{text}</p>"))]),
        "tags": "",
        "audience": "patients",
        "last_reviewed": "",
        "narration_voice": "",
        "seo_title": "",
        "search_description": "",
        "go_live_at": "",
        "expire_at": "",
        "comments-TOTAL_FORMS": 0, "comments-INITIAL_FORMS": 0, "comments-MIN_NUM_FORMS": 0, "comments-MAX_NUM_FORMS": 1000,
    })
