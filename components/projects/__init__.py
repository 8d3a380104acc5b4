"""components.projects."""
