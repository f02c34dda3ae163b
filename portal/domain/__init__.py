"""Pure rules of the portal service: no FastAPI, SQLAlchemy, Celery or httpx."""
