"""db.organizations."""
