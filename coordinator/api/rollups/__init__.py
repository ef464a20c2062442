"""Rollups resource: program progress and indicator actuals per region (read only)."""
