"""The HTTP edge: app factory, dependencies, health."""
