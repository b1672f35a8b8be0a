"""Inspection rounds, findings, rectification tasks, progress, evidence and their workflow."""
