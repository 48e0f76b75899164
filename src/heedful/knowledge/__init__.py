"""The help centre: articles in categories, revisions, search and self-service suggestions."""
