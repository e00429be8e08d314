"""The job list's JSON contract: one row per job the queue still knows."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, Field

__all__ = ["STATES", "JobList", "JobOut", "State"]

State = Literal["queued", "running", "waiting to retry", "failed", "cancelled", "done"]
STATES: tuple[State, ...] = get_args(State)


class JobOut(BaseModel):
    id: str = Field(description="The job's id; for an upload, the upload's id (`up-…`).")
    kind: str = Field(
        description="What the job does: `upload`, `load` or `rebuild`, or a part or the "
        "join of a split `upload` or `load` (`upload part`, `upload join`, ...)."
    )
    state: State
    enqueued_at: datetime | None
    ended_at: datetime | None = Field(description="When its last attempt ended.")
    retries_left: int
    error: str | None = Field(description="The last line of its last error.")
    url: str | None = Field(description="Its page: an upload's report.")


class JobList(BaseModel):
    jobs: list[JobOut]
    state: State | None = Field(description="The state the list was narrowed to.")
