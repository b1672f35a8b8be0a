"""Housekeeping: expired exports, orphan files, old history rows."""
