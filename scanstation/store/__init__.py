"""The local database: models (models.py), engines and migrations (engine.py), state and operators."""
