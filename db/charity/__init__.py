"""db.charity."""
