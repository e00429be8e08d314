"""Facility pages: everything the archive holds about one place of detention."""
