"""Stored values as a person reads them: `death_in_custody` → "Death in custody".

Templates write `{{ value | label }}`. A value with no entry here is shown with its
underscores as spaces, so nothing raw reaches a page. The English names are marked with
`N_` so that `pybabel extract` (and tests/unit/test_i18n.py) find them; each capability
keeps its own section.
"""

from __future__ import annotations

from search_api.locale import N_, gettext

__all__ = ["LABELS", "label"]

LABELS: dict[str, str] = {
    # ---- accounts ----
    "public": N_("public"),
    "journalist": N_("journalist"),
    "investigator": N_("investigator"),
    "admin": N_("admin"),
    # ---- record ----
    # ---- search ----
    "caesar": N_("Caesar"),
    "atlas": N_("Atlas"),
    "testimonies": N_("Testimonies"),
    "filings": N_("Court filings"),
    "body_id": N_("Body number"),
    "witness_pseudonym": N_("Witness pseudonym"),
    "case_no": N_("Case number"),
    "outcome": N_("Outcome"),
    "defendants": N_("Defendants"),
    "doc_type": N_("Document type"),
    "identification": N_("Identification"),
    # ---- chronology ----
    # ---- end ----
}


def label(value: object) -> str:
    """The reader's name for a stored value (an enum member or its text)."""
    raw = str(getattr(value, "value", value) or "")
    known = LABELS.get(raw)
    return gettext(known) if known else raw.replace("_", " ")
