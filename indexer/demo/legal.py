"""Public legal milestones (metadata only) and phrase banks for synthetic filing text.

Court, date, event and publicly reported defendants come from the domain notes; every
sentence of body text around them is invented and says so ("SYNTHETIC summary").
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["COURTS", "MILESTONES", "PAGE_TEXT", "Milestone"]


@dataclass(frozen=True)
class Milestone:
    court: str
    jurisdiction: str
    doc_type: str
    date_filed: str
    date_issued: str
    event: str
    language: str
    defendants: tuple[str, ...] = ()
    charges: tuple[str, ...] = ()
    outcome: str = ""
    cites: str = ""  # "photos", "testimonies" or "both": what the filing refers to


_KOBLENZ, _FRANKFURT = "Higher Regional Court Koblenz", "Higher Regional Court Frankfurt"
_PARIS = "Paris investigating judges"
_HASSAN, _MAMLOUK, _MAHMOUD = "Jamil Hassan", "Ali Mamlouk", "Abdel Salam Mahmoud"
_CAH = "crimes against humanity"

MILESTONES: tuple[Milestone, ...] = (
    Milestone(_PARIS, "FR", "complaint", "2016-10-24", "", "complaint filed (Dabbagh case)", "fr"),
    Milestone(
        "Spain, Audiencia Nacional", "ES", "order", "", "2017-03", "complaint admitted", "en"
    ),
    Milestone(
        "Spain, Audiencia Nacional",
        "ES",
        "appeal",
        "",
        "2017-07",
        "complaint dropped on appeal for lack of jurisdiction",
        "en",
        outcome="dropped for lack of jurisdiction",
    ),
    Milestone(
        "German Federal Prosecutor",
        "DE",
        "complaint",
        "2017-09",
        "",
        "complaint by the Caesar Files Group and ECCHR, photos handed over",
        "de",
        cites="photos",
    ),
    Milestone(
        "Germany, Federal Court of Justice",
        "DE",
        "arrest_warrant",
        "",
        "2018-06",
        f"arrest warrant for {_HASSAN}",
        "de",
        defendants=(_HASSAN,),
    ),
    Milestone(
        _PARIS,
        "FR",
        "arrest_warrant",
        "",
        "2018-10-08",
        "arrest warrants (Mamlouk, Hassan, Mahmoud)",
        "fr",
        defendants=(_MAMLOUK, _HASSAN, _MAHMOUD),
    ),
    Milestone(
        _KOBLENZ,
        "DE",
        "other",
        "",
        "2020-04-23",
        "trial opens (Raslan, al-Gharib)",
        "en",
        defendants=("Anwar Raslan", "Eyad al-Gharib"),
    ),
    Milestone(
        _KOBLENZ,
        "DE",
        "submission",
        "2020-11-03",
        "",
        "forensic analysis of Caesar photos presented",
        "de",
        defendants=("Anwar Raslan",),
        cites="photos",
    ),
    Milestone(
        _KOBLENZ,
        "DE",
        "judgment",
        "",
        "2021-02-24",
        "Eyad al-Gharib sentenced",
        "de",
        defendants=("Eyad al-Gharib",),
        charges=(f"aiding and abetting {_CAH}",),
        outcome="4 years 6 months",
        cites="testimonies",
    ),
    Milestone(
        _FRANKFURT, "DE", "other", "", "2022-01", "trial of Alaa M. begins", "en", ("Alaa M.",)
    ),
    Milestone(
        _KOBLENZ,
        "DE",
        "judgment",
        "",
        "2022-01-13",
        "Anwar Raslan sentenced",
        "en",
        defendants=("Anwar Raslan",),
        charges=(f"{_CAH} incl. 27 murders",),
        outcome="life imprisonment",
        cites="both",
    ),
    Milestone(
        _FRANKFURT,
        "DE",
        "submission",
        "2023-05-11",
        "",
        "Caesar forensic reports presented",
        "de",
        defendants=("Alaa M.",),
        cites="photos",
    ),
    Milestone(
        "International Court of Justice",
        "ICJ",
        "complaint",
        "2023-06-08",
        "",
        "application under the Convention against Torture (Canada and the Netherlands v. Syria)",
        "en",
        cites="both",
    ),
    Milestone(
        "UN General Assembly",
        "UN",
        "other",
        "",
        "2023-06-29",
        "resolution 77/301: independent institution on missing persons established",
        "en",
    ),
    Milestone(
        "International Court of Justice",
        "ICJ",
        "order",
        "",
        "2023-11-16",
        "provisional measures: prevent torture, preserve evidence",
        "en",
        outcome="provisional measures ordered",
    ),
    Milestone(
        "Paris Cour d'assises",
        "FR",
        "judgment",
        "",
        "2024-05-21/2024-05-24",
        "in-absentia trial; Mamlouk, Hassan, Mahmoud sentenced to life",
        "fr",
        defendants=(_MAMLOUK, _HASSAN, _MAHMOUD),
        outcome="life imprisonment (in absentia)",
        cites="testimonies",
    ),
    Milestone(
        _FRANKFURT,
        "DE",
        "judgment",
        "",
        "2025-06-16",
        "Alaa M. sentenced",
        "de",
        defendants=("Alaa M.",),
        outcome="life imprisonment",
    ),
)

# Courts used for invented filings: jurisdiction, the document types that fit the body,
# and whether its cases name individual defendants (the ICJ hears states).
_TRIAL = ("submission", "order", "judgment", "appeal", "indictment", "other")
COURTS: tuple[tuple[str, str, tuple[str, ...], bool], ...] = (
    (_KOBLENZ, "DE", _TRIAL, True),
    (_FRANKFURT, "DE", _TRIAL, True),
    ("German Federal Prosecutor", "DE", ("complaint", "submission", "indictment", "other"), True),
    (_PARIS, "FR", ("complaint", "arrest_warrant", "order", "submission"), True),
    ("Paris Cour d'assises", "FR", _TRIAL, True),
    ("International Court of Justice", "ICJ", ("submission", "order", "other"), False),
)

# Page sections per language. Slots: {court} {date} {event} {refs} {facility} {hospital}
# {branch} {witness} {outcome} {page} {pages}.
PAGE_TEXT: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "summary": (
            "SYNTHETIC summary for the demo. {court}, {date}: {event}. Apart from the "
            "court, the date and the event, this text is invented for testing.",
        ),
        "body": (
            "The chamber heard that detainees held at {facility} were tortured during "
            "interrogation and kept in overcrowded collective cells.",
            "Witness {witness} described the cells at {facility} and the transfer of the "
            "sick to {hospital}.",
            "A forensic expert explained how the numbers written on the bodies identify "
            "the security branch, here branch {branch}, and the hospital report.",
            "The defence disputed the chain of custody of the photographs taken at {hospital}.",
            "The photographs referred to were compared with family identifications; "
            "several were forensically confirmed.",
        ),
        "evidence": ("Evidence referred to on this page: {refs}.",),
        "outcome": ("Disposition: {outcome}. (SYNTHETIC demo document, page {page} of {pages}.)",),
    },
    "de": {
        "summary": (
            "SYNTHETIC Zusammenfassung für die Demo. {court}, {date}: {event}. Außer "
            "Gericht, Datum und Ereignis ist dieser Text für Tests erfunden.",
        ),
        "body": (
            "Der Senat hörte, dass Gefangene in {facility} bei Verhören gefoltert und in "
            "überfüllten Sammelzellen festgehalten wurden.",
            "Zeuge {witness} beschrieb die Zellen in {facility} und die Verlegung Kranker "
            "nach {hospital}.",
            "Ein Rechtsmediziner erläuterte, wie die auf den Leichen notierten Nummern die "
            "Abteilung, hier Abteilung {branch}, und den Klinikbericht bezeichnen.",
            "Die Verteidigung bestritt die Beweiskette der in {hospital} entstandenen Fotos.",
            "Die Fotos wurden mit Identifizierungen durch Angehörige abgeglichen.",
        ),
        "evidence": ("Auf dieser Seite genannte Beweismittel: {refs}.",),
        "outcome": ("Ergebnis: {outcome}. (SYNTHETIC Demo-Dokument, Seite {page} von {pages}.)",),
    },
    "fr": {
        "summary": (
            "Résumé SYNTHETIC pour la démonstration. {court}, {date} : {event}. Hormis la "
            "juridiction, la date et l'événement, ce texte est inventé pour les tests.",
        ),
        "body": (
            "La cour a entendu que les détenus de {facility} étaient torturés pendant les "
            "interrogatoires et entassés dans des cellules collectives.",
            "Le témoin {witness} a décrit les cellules de {facility} et le transfert des "
            "malades vers {hospital}.",
            "Un médecin légiste a expliqué comment les numéros écrits sur les corps "
            "désignent la branche, ici la branche {branch}, et le rapport de l'hôpital.",
            "La défense a contesté la chaîne de possession des photos prises à {hospital}.",
            "Les photos ont été comparées aux identifications faites par les familles.",
        ),
        "evidence": ("Éléments de preuve cités sur cette page : {refs}.",),
        "outcome": (
            "Décision : {outcome}. (Document SYNTHETIC de démonstration, page {page} sur {pages}.)",
        ),
    },
}
