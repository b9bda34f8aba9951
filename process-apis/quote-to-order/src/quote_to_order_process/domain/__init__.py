"""Orders, the saga that places them, and the problems it answers with."""
