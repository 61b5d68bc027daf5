"""manage.py compose_illustrations [--icons FOLDER] [--only KEY …] [--out DIR]: the studio's own topic illustrations."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from wagtail.models import Collection

from cms.illustrations.healthicons import BODY_SYSTEMS
from cms.illustrations.models import Illustration
from media_pipeline.render.illustration_specs import COMPOSED
from media_pipeline.render.illustrations import Painter, compose, icons_needed

COLLECTION_NAME = "科普工作室插画 Studio illustrations"
SET_TAG = "科普工作室插画 Studio illustrations"
SOURCE = "科普工作室 Kepu Studio (icons: Health Icons, Resolve to Save Lives, MIT)"
LICENCE = "CC BY 4.0"


class Command(BaseCommand):
    help = (
        "Draw the studio's composed illustrations (blood pressure, inhaler, insulin sites…) "
        "into the library (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--icons", default=str(Path(settings.KEPU_DATA_DIR) / "healthicons"))
        parser.add_argument("--only", nargs="+", metavar="KEY")
        parser.add_argument("--out", help="also write the PNG files to this folder (to look at them)")

    def handle(self, icons, only=None, out=None, **options):
        specs = [spec for spec in COMPOSED if not only or spec.key in only]
        if only and len(specs) != len(set(only)):
            raise CommandError(f"unknown illustration keys; known: {', '.join(spec.key for spec in COMPOSED)}")
        if not (Path(icons) / "icons.json").is_file():
            raise CommandError(f"{icons} holds no icons.json: point --icons at the healthicons folder of the data.")
        painter = Painter(Path(icons), icons_needed(specs))
        systems = {system.key: system for system in BODY_SYSTEMS}
        root = Collection.get_first_root_node()
        collection = root.get_children().filter(name=COLLECTION_NAME).first() or root.add_child(name=COLLECTION_NAME)
        made = kept = 0
        for spec in specs:
            file_name = f"composed-{spec.key}-{spec.fingerprint()}.png"
            tags = [SET_TAG, *spec.topic_tags, *systems[spec.body_system].tags]
            # The drawing's fingerprint rides in its source URL: stored file names are randomised by the storage.
            source_url = f"kepu:composed/{spec.key}?v={spec.fingerprint()}"
            image = Illustration.objects.filter(source_url__startswith=f"kepu:composed/{spec.key}?").first()
            if image is not None and image.source_url == source_url:
                kept += 1
                continue
            png = compose(painter, spec)
            if out:
                Path(out).mkdir(parents=True, exist_ok=True)
                (Path(out) / file_name).write_bytes(png)
            with transaction.atomic():
                if image is None:
                    image = Illustration(collection=collection)
                elif image.file:
                    image.file.delete(save=False)  # the drawing changed: replace it (renditions follow the new file)
                    image.renditions.all().delete()
                image.source_url = source_url
                image.title = f"{spec.title_zh} {spec.title_en}"
                image.alt_text = spec.alt_text()
                image.source, image.licence = SOURCE, LICENCE
                image.file = ImageFile(io.BytesIO(png), name=file_name)
                image._set_image_file_metadata()  # size, hash and dimensions of the new drawing
                image.save()
                image.tags.set(tags)
            made += 1
        self.stdout.write(self.style.SUCCESS(f"Composed illustrations: {made} drawn, {kept} already up to date."))
