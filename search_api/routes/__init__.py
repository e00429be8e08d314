"""One router per surface; `search_api.app` assembles them once."""
