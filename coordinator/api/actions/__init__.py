"""API resource: actions."""
