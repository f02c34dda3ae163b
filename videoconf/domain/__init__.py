"""Pure rules of the videoconf service: no FastAPI, SQLAlchemy, Celery or httpx."""
