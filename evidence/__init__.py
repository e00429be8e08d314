"""The shared contract of the evidence index.

Both `indexer` and `search_api` import from here; nothing here imports either of them.
It holds what the two sides must agree on: settings, index naming, the access model,
the text-analysis module, and the error tree. The mapping JSON lives in `mappings/`.
"""
