"""Pure rules of the consent service: no FastAPI, SQLAlchemy, Celery or httpx."""
