from search_api.cli import cli

cli()
