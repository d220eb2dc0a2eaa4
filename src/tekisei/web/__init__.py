"""The web app: JSON API, HTML pages (Jinja2 + HTMX)."""
