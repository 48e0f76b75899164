"""Agent workspace views, one small module per page or family of commands."""
