"""Feature: complaint cases (交办件) passed on by a stationed inspection team: import, handling, repeats, outputs."""
