"""components.activities."""
