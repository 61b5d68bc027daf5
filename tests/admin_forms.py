"""Form data for posting an article or an encyclopedia entry through Wagtail's admin edit and create views."""

import hashlib

from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield


def article_form(title: str, text: str, slug: str = "", summary: str = "A short summary.") -> dict:
    return nested_form_data(
        {
            "title": title,
            # Chinese titles slugify to "", so fall back to a stable hash of the title.
            "slug": slug
            or (
                title.lower().replace(" ", "-")
                if title.isascii()
                else "article-" + hashlib.sha1(title.encode(), usedforsecurity=False).hexdigest()[:10]
            ),
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
            "comments-TOTAL_FORMS": 0,
            "comments-INITIAL_FORMS": 0,
            "comments-MIN_NUM_FORMS": 0,
            "comments-MAX_NUM_FORMS": 1000,
        }
    )


def entry_form(entry, **changes) -> dict:
    """The admin edit form of ``entry`` as an editor would post it, with ``changes`` applied."""
    values = {
        "title": entry.title,
        "slug": entry.slug,
        "icd10_codes": entry.icd10_codes,
        "chapter": entry.chapter_id or "",
        "synonyms": entry.synonyms,
        "summary": entry.summary,
        "sections": streamfield(
            [
                (block.block_type, {"heading": block.value["heading"], "body": rich_text(block.value["body"].source)})
                for block in entry.sections
            ]
        ),
        "illustrations": streamfield([]),
        "references": streamfield(
            [
                ("reference", {"citation": block.value["citation"], "url": block.value["url"]})
                for block in entry.references
            ]
        ),
        "source_name": entry.source_name,
        "source_url": entry.source_url,
        "licence": entry.licence,
        "last_reviewed": entry.last_reviewed.isoformat() if entry.last_reviewed else "",
        "seo_title": "",
        "search_description": "",
        "go_live_at": "",
        "expire_at": "",
        "source_id": entry.source_id,
        "comments-TOTAL_FORMS": 0,
        "comments-INITIAL_FORMS": 0,
        "comments-MIN_NUM_FORMS": 0,
        "comments-MAX_NUM_FORMS": 1000,
    }
    values.update(changes)
    return nested_form_data(values)
