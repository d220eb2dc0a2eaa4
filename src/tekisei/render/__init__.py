"""Documents out: HTML, PDF, XLSX, JSON and Markdown renderers."""
