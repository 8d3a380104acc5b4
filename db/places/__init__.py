"""db.places."""
