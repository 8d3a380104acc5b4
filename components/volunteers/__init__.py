"""components.volunteers."""
