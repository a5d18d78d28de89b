"""The pipeline files that ship with secpipe: ``default.yml`` (every gate) and ``strict.yml``."""
