"""db.activities."""
