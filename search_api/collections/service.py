"""Who may upload to a collection: its owner, the accounts admins granted, and admins.

A refusal reads the same whoever owns the collection, and whether it is owned by an
account or used only by records the uploader cannot see.
"""

from __future__ import annotations

from evidence.access import AccessContext, Role
from evidence.errors import N_, Forbidden
from search_api.collections.store import CollectionStore

__all__ = ["require_upload_right"]


async def require_upload_right(
    store: CollectionStore, access: AccessContext, collection_id: str
) -> None:
    """Pass if `access` may upload into `collection_id`, claiming an unused id for them;
    raise `Forbidden` otherwise."""
    user = access.user or ""
    owners = await store.get(collection_id)
    if owners is None and not await store.in_use(collection_id):
        if await store.claim(collection_id, user):
            return
        owners = await store.get(collection_id)
    if access.role is Role.ADMIN:
        return
    if owners is not None and (owners.get("owner") == user or user in owners.get("writers", [])):
        return
    why = N_("Your account may not upload to collection %(id)s; an admin can grant it.")
    raise Forbidden(why, id=collection_id)
