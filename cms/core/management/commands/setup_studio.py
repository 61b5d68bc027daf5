from django.core.management.base import BaseCommand

from cms.core.studio_setup import setup_studio


class Command(BaseCommand):
    help = "Create the studio's languages, page tree, groups, permissions and review workflow (idempotent)."

    def handle(self, *args, **options):
        tree = setup_studio()
        for language, pages in tree.items():
            self.stdout.write(f"{language}: " + ", ".join(f"{key}={page.url_path}" for key, page in pages.items()))
        self.stdout.write(self.style.SUCCESS("Studio structure is in place."))
