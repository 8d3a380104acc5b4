"""db.figures."""
