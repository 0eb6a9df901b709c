"""The supervisor console: a static page served by callqa that reads the /v1 API with the user's key."""
