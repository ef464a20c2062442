"""API resource: tokens."""
