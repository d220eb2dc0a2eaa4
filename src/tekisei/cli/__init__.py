"""The ``tekisei`` command line."""
