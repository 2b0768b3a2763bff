"""Load benchmark (see run.py)."""
