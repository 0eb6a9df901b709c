"""Scorecards: aggregates of scored interactions per agent, team or queue over a time range."""
