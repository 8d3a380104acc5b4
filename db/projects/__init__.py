"""db.projects."""
