"""The REST API (DRF + drf-spectacular): the same access checks, filters and services as the pages."""
