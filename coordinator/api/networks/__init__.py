"""API resource: networks."""
