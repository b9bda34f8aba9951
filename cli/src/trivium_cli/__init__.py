"""`trivium`: the operator's command line for a running Trivium suite."""
