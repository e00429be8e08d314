"""Accounts: users and API tokens, who is asking, login and logout."""
