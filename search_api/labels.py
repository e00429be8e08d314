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
    # ---- teams ----
    "viewer": N_("viewer"),
    "editor": N_("editor"),
    # ---- record ----
    "photo": N_("Photo"),
    "testimony": N_("Testimony"),
    "filing": N_("Filing"),
    "restricted": N_("restricted"),
    "confidential": N_("confidential"),
    "sealed": N_("sealed"),
    "ar": N_("Arabic"),
    "en": N_("English"),
    "de": N_("German"),
    "fr": N_("French"),
    "death_in_custody": N_("Death in custody"),
    "other": N_("Other"),
    "unidentified": N_("Unidentified"),
    "family_recognised": N_("Recognised by family"),
    "forensically_confirmed": N_("Forensically confirmed"),
    "complaint": N_("Complaint"),
    "arrest_warrant": N_("Arrest warrant"),
    "indictment": N_("Indictment"),
    "order": N_("Court order"),
    "judgment": N_("Judgment"),
    "appeal": N_("Appeal"),
    "submission": N_("Submission"),
    "court": N_("court"),
    "publication": N_("publication"),
    "research": N_("research"),
    "victim": N_("victim"),
    "witness": N_("witness"),
    "alleged_perpetrator": N_("alleged perpetrator"),
    "family": N_("family"),
    "ingested": N_("ingested"),
    "updated": N_("updated"),
    "reencoded": N_("re-encoded for search by meaning"),
    "lowered": N_("lowered"),
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
    "undisputed": N_("undisputed"),
    "disputed": N_("disputed"),
    "unsure": N_("unsure"),
    "yes": N_("yes"),
    "no": N_("no"),
    "interview": N_("interview"),
    "testimony_event": N_("testimony event"),
    "photographed": N_("photographed"),
    "filed": N_("filed"),
    "issued": N_("issued"),
    # ---- facilities ----
    "branch": N_("security branch"),
    "prison": N_("prison"),
    "hospital": N_("hospital"),
    # ---- end ----
}


def label(value: object) -> str:
    """The reader's name for a stored value (an enum member or its text)."""
    raw = str(getattr(value, "value", value) or "")
    known = LABELS.get(raw)
    return gettext(known) if known else raw.replace("_", " ")
