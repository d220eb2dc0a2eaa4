"""The domain: pure rules and models (stdlib and pydantic only; no I/O)."""
