"""Case statistics resource: integrations push and read monthly counts per kelurahan."""
