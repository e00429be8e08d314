"""Person pages: one person's mentions, in every spelling and script, on one page."""
