"""The web layer: thin blueprints over the library."""
