"""Pure rules of the chain service: no FastAPI, SQLAlchemy, Celery or httpx."""
