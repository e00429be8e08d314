"""The FastAPI app: a request goes route -> params -> query -> store -> service -> template.

routes/      thin handlers, JSON (`api.py`) and HTML (`pages.py`), same service
params.py    typed request models with clamps
query.py     pure DSL builder: params + access context in, Elasticsearch body out
store.py     the one layer that talks to Elasticsearch; applies access to every call
service.py   build -> execute -> shape, one function per page of data
models.py    the JSON contract
errors.py    the one place exceptions become HTTP status codes

Capabilities beyond search are packages that import the core, never the reverse:
chronologies/, uploads/, collections/ and accounts/. `app.py` wires them all.
"""
