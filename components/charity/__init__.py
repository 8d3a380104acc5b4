"""components.charity."""
