"""Notes and tags on records: private to their author or shared with a team, never above
the record's level, and a facet and filter of search for those who may see them."""
