"""Text toolkit shared by the standard (its phrase packs are checked when loaded) and the scoring core (which
matches them): normalization and the phrase syntax. Pure functions, no imports from the rest of callqa."""
