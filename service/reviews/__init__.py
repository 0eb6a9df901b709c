"""Review cases and corrective actions: the loop after an alert (review, root cause, action, check)."""
