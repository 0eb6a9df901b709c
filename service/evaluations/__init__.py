"""Human review beside the automated score, sampling for review, and agents' disputes."""
