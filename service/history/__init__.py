"""History: replays of history files through the pipeline, and shadow backtests of a candidate standard."""
