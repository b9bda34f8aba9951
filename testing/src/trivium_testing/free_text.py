"""Free text that is syntax in one protocol or another, for property tests that send it through
the stack: what the systems hold must be what was sent, or the input is refused whole."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# What breaks one protocol or another: SOQL and OData quotes, LIKE wildcards, escapes, line
# breaks, OData query options, path and fragment separators.
PROTOCOL_TRAPS = ("@{", "'", '"', "\\", "%", "_", "\n", "\t", "&$filter=", "#", "/", " ")

# Each example runs through real services: few of them, no deadline, the same ones every run.
FREE_TEXT_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def free_text(
    *traps: str, control_characters: bool = True, max_parts: int = 8
) -> st.SearchStrategy[str]:
    """Text of up to `max_parts` pieces: the flow's own `traps` (its composite references,
    emoji, right-to-left text), the PROTOCOL_TRAPS, and short random runs (never surrogates;
    control characters only when `control_characters`)."""
    if control_characters:
        characters = st.characters(blacklist_categories=["Cs"])
    else:
        characters = st.characters(blacklist_categories=["Cs", "Cc"])
    return st.lists(
        st.one_of(
            st.sampled_from([*traps, *PROTOCOL_TRAPS]),
            st.text(characters, min_size=1, max_size=4),
        ),
        min_size=1,
        max_size=max_parts,
    ).map("".join)
