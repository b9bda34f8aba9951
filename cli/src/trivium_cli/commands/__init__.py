"""One module per command group; `trivium_cli.main` registers each."""
