"""The studio's Celery application.

Tasks live next to the domain they serve (``media_pipeline.tasks``,
``distribution.tasks``); they only wrap plain functions.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kepu.settings.dev")

app = Celery("kepu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
