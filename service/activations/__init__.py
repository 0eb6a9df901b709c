"""Standard versions activated at run time, checked by their fixture cases first."""
