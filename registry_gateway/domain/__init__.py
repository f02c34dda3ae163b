"""Pure rules of the registry_gateway service: no FastAPI, SQLAlchemy, Celery or httpx."""
