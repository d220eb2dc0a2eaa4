"""Package data: framework catalogs, crosswalks and their JSON Schemas (YAML/JSON)."""
