"""db.volunteers."""
