"""List search: a roster of names, numbers or queries run against every collection."""
