"""Customer outcomes: survey answers (CSAT, NPS) and contact reasons, from which first-contact resolution follows."""
