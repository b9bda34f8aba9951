"""What a service image installs: runtime code only, never the test harness or its tools."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_FOLDERS = (
    "shared",
    "system-apis",
    "process-apis",
    "experience-apis",
    "emulators",
    "gateway",
)
TEST_ONLY_MODULES = {"trivium_testing", "pytest", "pytest_asyncio", "pact", "fakeredis"}
TEST_ONLY_DISTRIBUTIONS = {
    "trivium-testing",
    "pytest",
    "pytest-asyncio",
    "pact-python",
    "fakeredis",
}
# The last-resort Redis imports fakeredis inside the function that needs it (`trivium[fakeredis]`).
LAZY_IMPORTS = {("shared/src/trivium/redis_discovery.py", "fakeredis")}


def runtime_members() -> list[Path]:
    """Every workspace member a service image may install: all but the test harness."""
    return sorted(
        project.parent
        for folder in RUNTIME_FOLDERS
        for project in [ROOT / folder / "pyproject.toml", *(ROOT / folder).glob("*/pyproject.toml")]
        if project.is_file()
    )


def imported_modules(source: Path) -> set[str]:
    """Top-level names of the absolute imports of a Python file."""
    modules = set()
    for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def requirement_name(requirement: str) -> str:
    """The normalised distribution name of a PEP 508 requirement."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert name is not None, requirement
    return re.sub(r"[-_.]+", "-", name.group(0)).lower()


MEMBERS = runtime_members()


@pytest.mark.parametrize("member", MEMBERS, ids=lambda member: str(member.relative_to(ROOT)))
class TestRuntimeMember:
    def test_code_imports_no_test_tooling(self, member: Path) -> None:
        offenders = [
            f"{path.relative_to(ROOT)} imports {module}"
            for path in (member / "src").rglob("*.py")
            for module in sorted(imported_modules(path) & TEST_ONLY_MODULES)
            if (str(path.relative_to(ROOT)), module) not in LAZY_IMPORTS
        ]
        assert offenders == []

    def test_dependencies_name_no_test_tooling(self, member: Path) -> None:
        project = tomllib.loads((member / "pyproject.toml").read_text())["project"]
        names = {requirement_name(requirement) for requirement in project["dependencies"]}
        assert names & TEST_ONLY_DISTRIBUTIONS == set()
        assert "pytest11" not in project.get("entry-points", {})


@pytest.mark.parametrize(
    "dockerfile",
    sorted(ROOT.glob("*/*/Dockerfile")),
    ids=lambda dockerfile: str(dockerfile.parent.relative_to(ROOT)),
)
def test_images_install_their_member_without_dev_dependencies(dockerfile: Path) -> None:
    syncs = [line for line in dockerfile.read_text().splitlines() if "uv sync" in line]
    assert syncs
    assert all("--no-dev" in line and "--package" in line for line in syncs)


def test_only_emulators_depend_on_the_emulator_kit() -> None:
    """Fault injection and the other emulator-only code stay out of every service image."""
    dependents = [
        str(member.relative_to(ROOT))
        for member in MEMBERS
        for requirement in tomllib.loads((member / "pyproject.toml").read_text())["project"][
            "dependencies"
        ]
        if requirement_name(requirement) == "emulator-kit"
    ]
    assert dependents == ["emulators/netsuite", "emulators/s4hana", "emulators/salesforce"]
