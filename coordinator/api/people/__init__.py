"""API resource: people."""
