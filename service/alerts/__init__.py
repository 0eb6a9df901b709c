"""Alerts raised to quality supervisors when a standard is breached."""
