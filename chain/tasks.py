"""Celery tasks of the chain service (thin: they call service functions)."""

from __future__ import annotations

from chain.config import get_settings
from common.tasks import make_celery

__all__ = ["celery_app"]

celery_app = make_celery("chain", get_settings().redis_url)
