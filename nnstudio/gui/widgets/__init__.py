"""Views and panels of the studio, one module each; each runs alone with ``python -m``."""
