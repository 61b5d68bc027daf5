"""``manage.py load_followup_templates``: install or update the studio's follow-up plan templates."""

from django.core.management.base import BaseCommand

from distribution.campaigns.followup_templates import load_followup_templates


class Command(BaseCommand):
    help = (
        "Install or update the studio's twelve follow-up plan templates (hypertension, diabetes, heart, lung, "
        "stroke, kidney, surgery, pregnancy, newborn, gout, osteoporosis)."
    )

    def handle(self, *args, **options):
        for plan in load_followup_templates():
            self.stdout.write(f"{plan.slug}: {plan.steps.count()} step(s)")
