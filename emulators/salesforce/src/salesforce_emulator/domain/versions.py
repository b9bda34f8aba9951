"""API versions and their release names (three releases a year)."""

from __future__ import annotations

from typing import Any

OLDEST_SERVED = 31
_SEASONS = ("Winter", "Spring", "Summer")


def release_label(major: int) -> str:
    """`Winter '25` for 62: each version is one release later than the one before."""
    offset = major - 59  # 59.0 was Winter '24
    season = _SEASONS[offset % 3]
    year = 24 + offset // 3
    return f"{season} '{year:02d}"


def list_versions(newest: str) -> list[dict[str, Any]]:
    """GET /services/data: every served version, oldest first."""
    return [
        {
            "label": release_label(major),
            "url": f"/services/data/v{major}.0",
            "version": f"{major}.0",
        }
        for major in range(OLDEST_SERVED, int(float(newest)) + 1)
    ]


RESOURCES = (
    "tooling", "metadata", "eclair", "folders", "prechatForms", "contact-tracing", "jsonxform",
    "chatter", "tabs", "appMenu", "quickActions", "queryAll", "commerce", "wave", "iot",
    "analytics",
    "search", "smartdatadiscovery", "identity", "composite", "parameterizedSearch", "fingerprint",
    "theme", "nouns", "domino", "event", "serviceTemplates", "recent", "connect", "licensing",
    "limits", "process", "dedupe", "async-queries", "query", "jobs", "match", "emailConnect",
    "compactLayouts", "knowledgeManagement", "sobjects", "actions", "support",
)  # fmt: skip


def list_resources(version: str, identity_url: str) -> dict[str, str]:
    """GET /services/data/vXX.X: resource name -> path."""
    base = f"/services/data/v{version}"
    body = {name: f"{base}/{name}" for name in RESOURCES}
    body["identity"] = identity_url
    return body
