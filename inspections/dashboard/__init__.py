"""The leader dashboard (总览): figures, page and API."""
