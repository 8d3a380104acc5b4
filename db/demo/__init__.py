"""db.demo."""
