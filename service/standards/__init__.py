"""The centre's written service standard: schema, loading and versions."""
