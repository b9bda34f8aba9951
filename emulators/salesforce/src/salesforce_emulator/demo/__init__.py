"""Demo connected-app key pair for JWT bearer sign-in; public on purpose, never for a real org."""
