"""Index settings and mappings as JSON, one file per record type.

Each file is `{"settings": ..., "mappings": ...}`; `mappings._meta.mapping_version` is
the version that goes into the concrete index name. Only server-core analysis is used
(`whitespace`, `standard`, `keyword`), so the same files run unchanged on the
integ-test zip and on the official image. `evidence.indices` reads them.
"""
