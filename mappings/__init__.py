"""Index settings and mappings as JSON.

- `envelope.json`: the settings and the fields every record type shares, so facets and
  filters work across the `{prefix}-records` alias;
- `photo.json`, `testimony.json`, `filing.json`: each type's own fields and its
  `mapping_version`, which goes into the concrete index name;
- `bundles.json`: the registry of loaded bundles;
- `redactions.json`: the redaction review of each loaded bundle (admins only).

Only server-core analysis is used (`whitespace`, `standard`), so the same files run
unchanged on the integ-test zip and on the official image. `evidence.indices` reads
them and refuses a type file that redefines an envelope field.
"""
