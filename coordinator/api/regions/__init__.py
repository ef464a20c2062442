"""API resource: regions."""
