"""Collections: who owns each collection id, and who else admins let upload to it."""
