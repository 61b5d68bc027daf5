"""Kepu Studio (科普工作室): patient-education content studio and distribution pipeline."""

from .celery import app as celery_app

__all__ = ["celery_app"]
