"""API keys with scopes: ingest (telephony systems), supervise (supervisors), admin (standards and keys)."""
