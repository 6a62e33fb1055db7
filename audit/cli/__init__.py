"""The `audit` command line: `app` builds the Typer app; one module per command group adds its commands."""
