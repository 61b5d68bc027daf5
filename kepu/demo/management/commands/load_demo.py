from django.core.management.base import BaseCommand

from kepu.demo.loader import load_demo


class Command(BaseCommand):
    help = "Load demo accounts, doctors, illustrations and articles in Chinese and English (idempotent)."

    def handle(self, *args, **options):
        accounts = load_demo()
        self.stdout.write(self.style.SUCCESS("Demo content is loaded. Sign in at /admin/ with:"))
        for account in accounts:
            self.stdout.write(f"  {account.username:<12} {account.password:<16} {account.role}")
