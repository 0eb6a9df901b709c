"""Calibration panels: several reviewers score the same interactions blind; agreement and deviation."""
