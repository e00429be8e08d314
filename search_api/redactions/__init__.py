"""The redaction review for admins: what each loaded bundle withholds, and what changed."""
