"""components.places."""
