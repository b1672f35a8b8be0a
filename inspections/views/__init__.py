"""Browser views, one module per topic. Thin: access checks from access.py, reads from selectors, writes via services."""
