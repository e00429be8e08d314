"""Loads collection bundles into Elasticsearch; every record ends indexed or reported."""
