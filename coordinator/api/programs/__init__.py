"""API resource: programs."""
