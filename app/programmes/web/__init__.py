"""The web layer: one module (one blueprint) per audience; `app.routes` gives the prefixes."""
