"""The public site as a reader gets it: real pages through the test client, both languages."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template import engines
from django.template.loader import render_to_string
from PIL import Image

from cms.encyclopedia.models import EncyclopediaEntry
from tests.builders import SampleSite, publish_sample_site

PAGE_WEIGHT_BUDGET = 60 * 1024  # HTML + CSS + JS of an article page, before images


class PageOutline(HTMLParser):
    """The bits of a page the assertions need: html lang, headings, stylesheets and scripts."""

    def __init__(self):
        super().__init__()
        self.html_lang = None
        self.headings: list[tuple[int, str]] = []
        self.stylesheets: list[str] = []
        self.scripts: list[str] = []
        self.images: list[dict[str, str]] = []
        self.sources: list[dict[str, str]] = []
        self._heading_level = 0
        self._heading_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.html_lang = attributes.get("lang")
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading_level, self._heading_text = int(tag[1]), []
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(attributes["href"])
        elif tag == "script" and attributes.get("src"):
            self.scripts.append(attributes["src"])
        elif tag == "img":
            self.images.append(attributes)
        elif tag == "source":
            self.sources.append(attributes)

    def handle_data(self, data):
        if self._heading_level:
            self._heading_text.append(data)

    def handle_endtag(self, tag):
        if self._heading_level and tag == f"h{self._heading_level}":
            self.headings.append((self._heading_level, " ".join("".join(self._heading_text).split())))
            self._heading_level = 0


def outline(response) -> PageOutline:
    parser = PageOutline()
    parser.feed(response.content.decode())
    return parser


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def site(db) -> SampleSite:
    return publish_sample_site()


@pytest.mark.django_db
def test_chinese_article_renders_every_body_block(client, site):
    response = client.get(site.article_zh.url)
    html = text(response)
    assert response.status_code == 200
    assert outline(response).html_lang == "zh-Hans"
    assert "<h1>高血压患者怎样吃得更健康</h1>" in html
    # Byline links to the doctor's homepage; review date and reading time are shown.
    assert '<a href="/doctors/dr-zhang/" rel="author">张医生</a> · 主任医师 · 第一人民医院' in html
    assert '<time datetime="2025-03-01">2025年3月1日</time>' in html
    assert "阅读约 1 分钟" in html
    assert "控制血压，从一日三餐做起" in html
    # Key points, warnings by level (icon and words), Q&A, references.
    assert re.search(r'class="key-points">\s*<h2>要点</h2>\s*<ul><li>每天盐不超过 5 克</li>', html)
    assert re.search(
        r'callout--urgent">\s*<p class="callout__label"><svg aria-hidden="true"[^>]*>.*?</svg>请立即就医', html
    )
    assert "拨打 120" in html and "callout--info" in html and "小贴士" in html
    assert re.search(r"<details class=\"qa\">\s*<summary>吃了降压药还需要少吃盐吗？</summary>", html)
    assert (
        '<li>中国居民膳食指南（2022） <a href="https://example.org/dietary-guidelines" rel="noopener external">' in html
    )
    # Tags link to the filtered index; the related encyclopedia entry is linked.
    assert '<a href="/articles/?tag=%E9%AB%98%E8%A1%80%E5%8E%8B">#高血压</a>' in html
    assert '<a href="/encyclopedia/hypertension/">高血压</a>' in html
    # Language switch goes to the English translation; the disclaimer is in the footer.
    assert 'class="lang-switch" href="/en/articles/eating-well-with-high-blood-pressure/" hreflang="en"' in html
    assert (
        '<link rel="alternate" hreflang="en" href="http://testserver/en/articles/eating-well-with-high-blood-pressure/">'
        in html
    )
    assert "本站内容仅供科普，不能替代医生的诊断和治疗" in html


@pytest.mark.django_db
def test_article_template_leaves_media_and_share_blocks_for_later_issues(rf, site):
    """The audio/video player and the share links extend article.html through these two blocks."""
    template = engines["django"].from_string(
        '{% extends "articles/article.html" %}'
        '{% block media %}<audio id="narration"></audio>{% endblock %}'
        '{% block share %}<div id="share-links"></div>{% endblock %}'
    )
    request = rf.get(site.article_zh.url)
    html = template.render(site.article_zh.get_context(request), request)
    summary, media, body, share = (
        html.index(marker)
        for marker in ("控制血压，从一日三餐做起", '<audio id="narration">', 'class="prose"', '<div id="share-links">')
    )
    assert summary < media < body < share


@pytest.mark.django_db
def test_article_illustration_is_a_responsive_lazy_picture_with_attribution(client, site):
    response = client.get(site.article_zh.url)
    page = outline(response)
    webp = next(source for source in page.sources if source.get("type") == "image/webp")
    descriptors = re.findall(r"(\S+) (\d+)w", webp["srcset"])
    assert [int(width) for _url, width in descriptors] == [480, 800, 1200]
    # Stored names are random, so the picture is found by what it shows.
    picture = next((image for image in page.images if image.get("alt") == "上臂式电子血压计绑在上臂的示意图"), None)
    assert picture is not None, [image.get("alt") for image in page.images]
    assert "blood-pressure-cuff" not in picture["src"]
    assert picture["loading"] == "lazy" and picture["sizes"]
    assert re.search(r"\.jpg 800w", picture["srcset"])
    assert "图片来源：科普工作室插画组 · CC BY 4.0" in text(response)
    # The renditions the tags point at are real files in the advertised format and width.
    for url, width in descriptors:
        with Image.open(Path(settings.MEDIA_ROOT) / url.removeprefix(settings.MEDIA_URL)) as rendition:
            assert rendition.format == "WEBP" and rendition.width == int(width)


@pytest.mark.django_db
def test_english_article_shows_english_interface(client, site):
    response = client.get(site.article_en.url)
    html = text(response)
    assert response.status_code == 200
    assert outline(response).html_lang == "en"
    assert "<h1>Eating well with high blood pressure</h1>" in html
    assert 'Last reviewed: <time datetime="2025-03-01">1 March 2025</time>' in html
    assert "1 min read" in html and "Skip to main content" in html
    assert re.search(r'callout--warning">\s*<p class="callout__label"><svg[^>]*>.*?</svg>Warning', html)
    assert "For education only; it does not replace your doctor's advice" in html
    assert 'href="/doctors/dr-zhang/?lang=en"' in html
    assert 'class="lang-switch" href="/articles/eating-well-with-high-blood-pressure/" hreflang="zh-Hans"' in html
    for chinese_ui in ("免责声明", "跳到正文", "审核日期", "要点", "大字模式"):
        assert chinese_ui not in html


@pytest.mark.django_db
def test_chinese_entry_shows_codes_synonyms_sections_and_source(client, site):
    response = client.get(site.hypertension_zh.url)
    html = text(response)
    assert response.status_code == 200 and outline(response).html_lang == "zh-Hans"
    assert "ICD-10 I10, I11" in html and "原发性高血压、血压高" in html
    headings = [heading for level, heading in outline(response).headings if level == 2]
    assert headings[:4] == ["本页内容", "概述", "症状", "怎样控制血压"]  # standard headings where none was set
    assert "<li>头晕、头痛</li>" in html and "<b>少盐</b>" in html
    assert "2025年3月1日" in html
    assert '<a href="/articles/eating-well-with-high-blood-pressure/">高血压患者怎样吃得更健康</a>' in html
    assert '<a href="/encyclopedia/?chapter=I00">循环系统疾病</a>' in html
    assert re.search(
        r'class="source-line">\s*科普工作室原创，CC BY 4.0\s*· <a href="https://example.org/hypertension"', html
    )


@pytest.mark.django_db
def test_english_entry_carries_the_medquad_attribution(client, site):
    response = client.get(site.gout_en.url)
    html = text(response)
    assert response.status_code == 200 and outline(response).html_lang == "en"
    assert "Source: MedQuAD / MPlusHealthTopics, CC BY 4.0" in html
    assert '<a href="https://www.nlm.nih.gov/medlineplus/gout.html" rel="noopener external">Original page</a>' in html
    assert "Also called: </strong>Gouty arthritis" in html
    assert "Diseases of the musculoskeletal system and connective tissue" in html  # English chapter name
    # No Chinese translation: the switch leads to the Chinese home page and says so.
    assert re.search(r'class="lang-switch" href="/" hreflang="zh-Hans" lang="zh-Hans" title="本页暂无中文版', html)


@pytest.mark.django_db
def test_imported_medquad_entry_renders_its_sections(client, encyclopedia):
    gout = EncyclopediaEntry.objects.get(source_id="4_MPlus_Health_Topics_QA/0000409")
    response = client.get(gout.url)
    html = text(response)
    assert response.status_code == 200
    for _kind, heading, _html in gout.section_items():
        assert f"<h2>{heading}</h2>" in html
    assert "MedQuAD / MPlusHealthTopics" in html and gout.source_url in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page_name",
    [
        "home_zh",
        "home_en",
        "encyclopedia_zh",
        "encyclopedia_en",
        "articles_zh",
        "article_zh",
        "article_en",
        "entry_zh",
        "entry_en",
    ],
)
def test_headings_start_at_h1_and_never_skip_a_level(client, site, page_name):
    pages = {
        "home_zh": site.tree["zh-hans"]["home"],
        "home_en": site.tree["en"]["home"],
        "encyclopedia_zh": site.tree["zh-hans"]["encyclopedia"],
        "encyclopedia_en": site.tree["en"]["encyclopedia"],
        "articles_zh": site.tree["zh-hans"]["articles"],
        "article_zh": site.article_zh,
        "article_en": site.article_en,
        "entry_zh": site.hypertension_zh,
        "entry_en": site.gout_en,
    }
    response = client.get(pages[page_name].url)
    levels = [level for level, _text in outline(response).headings]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(later - earlier <= 1 for earlier, later in zip(levels, levels[1:], strict=False)), levels


@pytest.mark.django_db
def test_unpublished_pages_are_not_served(client, site):
    assert client.get("/articles/unpublished-draft/").status_code == 404
    site.gout_en.unpublish()
    response = client.get("/en/encyclopedia/gout/")
    assert response.status_code == 404
    assert outline(response).html_lang == "en" and "Page not found" in text(response)
    assert 'class="lang-switch" href="/" hreflang="zh-Hans"' in text(response)  # the Chinese home, not a 404
    assert client.get("/nothing-here/").status_code == 404


@pytest.mark.django_db
def test_encyclopedia_index_browses_by_chapter_and_letter(client, site):
    chinese = text(client.get("/encyclopedia/"))
    assert "循环系统疾病" in chinese and "共 1 条" in chinese and "高血压" in chinese
    assert "高血压" in text(client.get("/encyclopedia/?chapter=I00"))
    musculoskeletal = text(client.get("/encyclopedia/?chapter=M00"))
    assert "共 0 条" in musculoskeletal and "这里还没有条目" in musculoskeletal
    english_g = text(client.get("/en/encyclopedia/?letter=g"))
    assert "2 entries" in text(client.get("/en/encyclopedia/"))
    assert ">Gout</a>" in english_g and "High blood pressure" not in english_g and "1 entry" in english_g
    assert 'href="?letter=G" aria-current="page"' in english_g


@pytest.mark.django_db
def test_home_and_article_index_list_articles_in_their_own_language(client, site):
    chinese_home = text(client.get("/"))
    assert "高血压患者怎样吃得更健康" in chinese_home and "Eating well" not in chinese_home
    english_home = text(client.get("/en/"))
    assert "Eating well with high blood pressure" in english_home and "Latest articles" in english_home
    tagged = text(client.get("/articles/?tag=饮食"))
    assert "高血压患者怎样吃得更健康" in tagged and "#饮食" in tagged
    assert "这个标签下还没有文章" in text(client.get("/articles/?tag=不存在"))


@pytest.mark.django_db
def test_doctor_homepage_in_both_languages(client, site):
    chinese = client.get("/doctors/dr-zhang/")
    assert chinese.status_code == 200 and outline(chinese).html_lang == "zh-Hans"
    assert "<h1>张医生</h1>" in text(chinese) and "高血压患者怎样吃得更健康" in text(chinese)
    english = client.get("/doctors/dr-zhang/?lang=en")
    assert outline(english).html_lang == "en" and "Articles" in text(english)
    assert english["Content-Language"] == "en" and chinese["Content-Language"] == "zh-hans"
    assert client.get("/doctors/nobody/").status_code == 404
    # With an English credit on the profile, English pages use it (Chinese ones keep the Chinese name).
    from cms.doctors.models import DoctorProfile

    DoctorProfile.objects.filter(slug="dr-zhang").update(name_en="Dr Zhang Wei", hospital_en="First Hospital")
    english = text(client.get("/doctors/dr-zhang/?lang=en"))
    assert "<h1>Dr Zhang Wei</h1>" in english and "First Hospital" in english and "第一医院" not in english
    assert "<h1>张医生</h1>" in text(client.get("/doctors/dr-zhang/"))


@pytest.mark.django_db
def test_search_finds_a_chinese_word_inside_a_longer_word(client, site):
    response = client.get("/search/", {"q": "血压"})
    html = text(response)
    assert response.status_code == 200
    assert re.search(
        r'<a href="/encyclopedia/hypertension/">高血压</a>\s*<span class="badge badge--entry"[^>]*>百科</span>', html
    )
    assert re.search(r'高血压患者怎样吃得更健康</a>\s*<span class="badge badge--article"[^>]*>文章</span>', html)


@pytest.mark.django_db
def test_search_finds_an_english_synonym_in_english(client, site):
    response = client.get("/search/", {"q": "Gouty arthritis", "lang": "en"})
    html = text(response)
    assert outline(response).html_lang == "en"
    assert re.search(
        r'<a href="/en/encyclopedia/gout/">Gout</a>\s*<span class="badge badge--entry"[^>]*>Entry</span>', html
    )
    assert "1 result for “Gouty arthritis”" in html


@pytest.mark.django_db
def test_search_type_filter_and_no_results(client, site):
    articles_only = text(client.get("/search/", {"q": "血压", "type": "articles"}))
    assert "badge--article" in articles_only and "badge--entry" not in articles_only
    assert 'value="articles" checked' in articles_only
    nothing = text(client.get("/search/", {"q": "完全不存在的词语xyz"}))
    assert "没有找到与“完全不存在的词语xyz”相关的内容" in nothing
    assert "No results for “qqqzzz”." in text(client.get("/search/", {"q": "qqqzzz", "lang": "en"}))


@pytest.mark.django_db
def test_search_results_are_paginated(client, site):
    index = site.tree["en"]["encyclopedia"]
    for number in range(1, 23):
        entry = EncyclopediaEntry(title=f"Asthma variant {number}", slug=f"asthma-{number}", summary="Asthma")
        index.add_child(instance=entry)
        entry.save_revision().publish()
    first = text(client.get("/search/", {"q": "asthma", "lang": "en"}))
    assert "22 results" in first and "Page 1 of 2" in first and 'rel="next"' in first
    assert first.count('class="badge badge--entry"') == 20
    next_url = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "q=asthma" in next_url and "page=2" in next_url
    second = text(client.get("/search/" + next_url))
    assert second.count('class="badge badge--entry"') == 2 and 'rel="prev"' in second


@pytest.mark.django_db
@pytest.mark.parametrize("article", ["article_zh", "article_en"])
def test_article_page_weight_stays_within_budget(client, site, article):
    """HTML plus every stylesheet and script it links, as a phone on a slow network downloads them."""
    response = client.get(getattr(site, article).url)
    page = outline(response)
    assert page.stylesheets and page.scripts
    total = len(response.content)
    for url in page.stylesheets + page.scripts:
        path = finders.find(url.removeprefix(settings.STATIC_URL))
        assert path, f"{url} is not a static file"
        total += Path(path).stat().st_size
    assert total <= PAGE_WEIGHT_BUDGET, f"{total} bytes"


def test_server_error_page_needs_no_request_or_database():
    html = render_to_string("500.html")
    assert '<html lang="zh-Hans">' in html and 'lang="en"' in html and "不能替代医生的诊断和治疗" in html


def _relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    lighter, darker = sorted((_relative_luminance(foreground), _relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_text_colours_of_the_stylesheet_meet_wcag_aa():
    """Every text/background pair the stylesheet uses reaches 4.5:1 (WCAG 2.1 AA, normal text)."""
    css = Path(finders.find("css/site.css")).read_text()
    root = css[css.index(":root") : css.index("}", css.index(":root"))]
    colours = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", root))
    colours["white"] = "#ffffff"
    pairs = [
        ("ink", "paper"),
        ("muted", "paper"),
        ("muted", "tint"),
        ("link", "paper"),
        ("link", "tint"),
        ("brand", "paper"),
        ("white", "brand"),
        ("info", "info-bg"),
        ("warn", "warn-bg"),
        ("urgent", "urgent-bg"),
        ("ink", "focus"),
    ]
    too_faint = {pair: round(contrast_ratio(colours[pair[0]], colours[pair[1]]), 2) for pair in pairs}
    assert {pair: ratio for pair, ratio in too_faint.items() if ratio < 4.5} == {}


def test_no_template_comment_spans_lines():
    """Django's {# #} comments are single-line: a multi-line one is printed on the page."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in root.glob("**/templates/**/*.html")
        if ".venv" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "{#" in line and "#}" not in line.split("{#", 1)[1]
    ]
    assert offenders == []
