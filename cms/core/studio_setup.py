"""The studio's fixed structure: languages, page tree, groups and their permissions.

Every step is idempotent, so ``setup_studio`` can run on every deploy.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.dispatch import Signal
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Locale,
    Page,
    Site,
    Task,
    Workflow,
    WorkflowPage,
)

from cms.articles.models import ArticleIndexPage
from cms.core.models import HomePage
from cms.encyclopedia.models import EncyclopediaIndexPage
from cms.moderation.setup import install_review_task

# Names stored in the database and shown as they are in the admin ("提交给医学审核"), so they are
# Chinese; installs set up before the admin spoke Chinese had the English ones, renamed on the next run.
DOCTORS = "医生"
EDITORS = "编辑"
MEDICAL_REVIEW = "医学审核"
FORMER_NAMES = {DOCTORS: "Doctors", EDITORS: "Editors", MEDICAL_REVIEW: "Medical review"}
# What Wagtail's own migrations create (a group and a workflow for pages outside the studio's sections).
WAGTAIL_DEFAULT_NAMES = (
    (Group, "Moderators", "审核员"),
    (Workflow, "Moderators approval", "审核员审批"),
    (Task, "Moderators approval", "审核员审批"),
)

HOME_TITLES = {"zh-hans": "科普工作室", "en": "Kepu Studio"}
ENCYCLOPEDIA_TITLES = {"zh-hans": "疾病百科", "en": "Disease encyclopedia"}
ARTICLE_TITLES = {"zh-hans": "科普文章", "en": "Articles"}


def ensure_locales() -> dict[str, Locale]:
    return {code: Locale.objects.get_or_create(language_code=code)[0] for code in ("zh-hans", "en")}


def _child_of_type(parent: Page, model, **create):
    existing = model.objects.child_of(parent).first()
    if existing:
        return existing
    page = model(**create)
    parent.add_child(instance=page)
    return page


@transaction.atomic
def ensure_site_tree() -> dict[str, dict[str, Page]]:
    """One home page per language with an encyclopedia and an article index under it."""
    locales = ensure_locales()
    root = Page.get_first_root_node()
    if root is None:
        # A flushed database (``manage.py flush``) has lost even the tree root Wagtail's migration made.
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=locales["zh-hans"]))
    tree: dict[str, dict[str, Page]] = {}
    zh_home = HomePage.objects.filter(locale=locales["zh-hans"]).first()
    if zh_home is None:
        # Wagtail's installer leaves an empty "Welcome" page as the site root; ours replaces it.
        for welcome in Page.objects.filter(depth=2, content_type__model="page", numchild=0):
            welcome.delete()
        zh_home = HomePage(
            title=HOME_TITLES["zh-hans"],
            slug="home",
            locale=locales["zh-hans"],
            intro="医生写一次，患者随时读、听、看。",
        )
        root.add_child(instance=zh_home)
        site = Site.objects.filter(is_default_site=True).first()
        if site:
            site.root_page = zh_home
            site.site_name = "科普工作室"
            site.save()
        else:
            Site.objects.create(
                hostname="localhost", port=80, root_page=zh_home, is_default_site=True, site_name="科普工作室"
            )
    en_home = HomePage.objects.filter(locale=locales["en"]).first()
    if en_home is None:
        en_home = zh_home.copy_for_translation(locales["en"])
        en_home.title = HOME_TITLES["en"]
        en_home.intro = "Doctors write it once; patients read, listen and watch any time."
        en_home.save_revision().publish()
        en_home.refresh_from_db()
    homes = {"zh-hans": zh_home, "en": en_home}
    for code, home in homes.items():
        tree[code] = {"home": home}
    zh_encyclopedia = _child_of_type(
        zh_home,
        EncyclopediaIndexPage,
        title=ENCYCLOPEDIA_TITLES["zh-hans"],
        slug="encyclopedia",
        locale=locales["zh-hans"],
    )
    zh_articles = _child_of_type(
        zh_home, ArticleIndexPage, title=ARTICLE_TITLES["zh-hans"], slug="articles", locale=locales["zh-hans"]
    )
    for zh_page, titles, key in (
        (zh_encyclopedia, ENCYCLOPEDIA_TITLES, "encyclopedia"),
        (zh_articles, ARTICLE_TITLES, "articles"),
    ):
        tree["zh-hans"][key] = zh_page
        translation = zh_page.get_translation_or_none(locales["en"])
        if translation is None:
            translation = zh_page.copy_for_translation(locales["en"])
            translation.title = titles["en"]
            translation.save_revision().publish()
            translation.refresh_from_db()
        tree["en"][key] = translation.specific
    return tree


def _page_permissions(*codenames: str) -> list[Permission]:
    return list(Permission.objects.filter(content_type__app_label="wagtailcore", codename__in=codenames))


def _illustration_permissions(*codenames: str) -> list[Permission]:
    # Wagtail checks custom image models against the base image model's permissions.
    return list(Permission.objects.filter(content_type__app_label="wagtailimages", codename__in=codenames))


def named(model, name: str, former_name: str = "", **defaults):
    """The object called ``name``, renamed from its former (English) name or created if neither exists.

    For the groups and workflows the studio creates: their names are shown as they are in the admin.
    """
    existing = model.objects.filter(name=name).first()
    if existing is not None:
        return existing
    former = model.objects.filter(name=former_name or FORMER_NAMES.get(name, name)).first()
    if former is not None:
        former.name = name
        former.save(update_fields=["name"])
        return former
    return model.objects.create(name=name, **defaults)


@transaction.atomic
def ensure_groups(tree: dict[str, dict[str, Page]]) -> dict[str, Group]:
    """Doctors write (and edit only what they own); Editors review and publish everything."""
    doctors = named(Group, DOCTORS)
    editors = named(Group, EDITORS)
    admin_access = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    doctors.permissions.add(admin_access)
    editors.permissions.add(admin_access)
    # Model-level right to reassign an article's doctor (see Article.settings_panels).
    editors.permissions.add(Permission.objects.get(content_type__app_label="articles", codename="change_article"))
    # Editors keep the narration's pronunciation lexicon.
    editors.permissions.add(
        *Permission.objects.filter(content_type__app_label="media_pipeline", codename__endswith="_pronunciationentry")
    )
    # Wagtail's "add" permission lets a user create pages and edit only the ones they own.
    for language in tree:
        for permission in _page_permissions("add_page"):
            GroupPagePermission.objects.get_or_create(
                group=doctors, page=tree[language]["articles"], permission=permission
            )
        for permission in _page_permissions("add_page", "change_page", "publish_page", "lock_page", "unlock_page"):
            GroupPagePermission.objects.get_or_create(group=editors, page=tree[language]["home"], permission=permission)
    root_collection = Collection.get_first_root_node()
    for group, codenames in (
        (doctors, ("add_image", "choose_image")),
        (editors, ("add_image", "change_image", "choose_image", "delete_image")),
    ):
        for permission in _illustration_permissions(*codenames):
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root_collection, permission=permission
            )
    return {DOCTORS: doctors, EDITORS: editors}


@transaction.atomic
def ensure_review_workflow(tree: dict[str, dict[str, Page]], editors: Group) -> Workflow:
    """Every article and encyclopedia edit goes through Editors before it is published."""
    workflow = named(Workflow, MEDICAL_REVIEW, active=True)
    # Health-checked approval by Editors (replaces a plain GroupApprovalTask from earlier set-ups).
    install_review_task(workflow, editors)
    for language in tree:
        for key in ("articles", "encyclopedia"):
            WorkflowPage.objects.update_or_create(page=tree[language][key], defaults={"workflow": workflow})
    return workflow


@transaction.atomic
def rename_wagtail_defaults() -> None:
    """Give Wagtail's default group and workflow Chinese names, unless someone has renamed them already."""
    for model, english, chinese in WAGTAIL_DEFAULT_NAMES:
        if not model.objects.filter(name=chinese).exists():
            model.objects.filter(name=english).update(name=chinese)


# Sent at the end of ``setup_studio`` with ``tree`` and ``groups``: apps further down the stack
# (distribution's operator role) set up their own groups and permissions without cms naming them.
studio_set_up = Signal()


def setup_studio() -> dict[str, dict[str, Page]]:
    tree = ensure_site_tree()
    rename_wagtail_defaults()
    groups = ensure_groups(tree)
    ensure_review_workflow(tree, groups[EDITORS])
    studio_set_up.send(sender=setup_studio, tree=tree, groups=groups)
    return tree
