"""Data and the rules about it. Nothing here imports Flask or LINE."""
