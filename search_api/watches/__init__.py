"""Watched searches: saved searches that count what is new since their owner last looked."""
