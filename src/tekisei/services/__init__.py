"""Use cases: the only way state changes. The web app and the CLI both call these."""
