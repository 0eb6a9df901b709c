"""callqa: real-time quality monitoring for call centres."""

__version__ = "0.1.0"
