"""What the backend emulators share and no service needs: fault injection, the admin controls
every emulator offers, ASGI helpers for their gates, and the assembly of their apps.

Each emulator keeps its own protocol (wire formats, errors, logon); only the machinery around it
lives here, so the three stand-ins behave alike for tests and demos."""
