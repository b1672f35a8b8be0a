"""Feature: supervision and assessment (督办, 约谈, 问责, 通报, suggestions from the warnings, unit scores)."""
