"""Chronologies: a lawyer's dated, cited facts, kept per owner and exported for court."""
