"""Celery tasks of the consent service (thin: they call service functions)."""

from __future__ import annotations

from common.tasks import make_celery
from consent.config import get_settings

__all__ = ["celery_app"]

celery_app = make_celery("consent", get_settings().redis_url)
