"""Case pages: one case's filings, defendants, court, outcome, cited records and timeline."""
