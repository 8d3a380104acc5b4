"""components.organizations."""
