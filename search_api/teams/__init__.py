"""Teams: accounts that build chronologies together, each a viewer or an editor."""
