"""Conventions that keep the tiers independent, checked on the source tree itself."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICE_FOLDERS = ("system-apis", "process-apis", "experience-apis", "emulators", "gateway")
LAYER_FORBIDDEN_IMPORTS = {"domain": ("fastapi", "starlette", "httpx", "aiohttp")}
# The library the emulators share: a workspace member beside them, but no service of its own.
EMULATOR_KIT = ROOT / "emulators" / "kit" / "src" / "emulator_kit"


def service_packages() -> dict[str, Path]:
    """Every service's importable package: name -> folder."""
    packages = {}
    for folder in SERVICE_FOLDERS:
        for init in sorted((ROOT / folder).glob("**/src/*/__init__.py")):
            if init.parent != EMULATOR_KIT:
                packages[init.parent.name] = init.parent
    return packages


def imported_modules(source: Path) -> Iterator[str]:
    """Top-level module names a Python file imports (absolute imports only)."""
    tree = ast.parse(source.read_text(), filename=str(source))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


PACKAGES = service_packages()


def sync_dependencies(folder: Path) -> Iterator[str]:
    """Plain `def` functions of a package that routes name in `Depends(...)`: FastAPI runs each
    of those in a worker thread on every request, a cost an `async def` does not have."""
    sync_functions: dict[str, Path] = {}
    depended_on: set[str] = set()
    for path in folder.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                sync_functions[node.name] = path
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"Depends", "Security"}
                and node.args
                and isinstance(node.args[0], ast.Name)
            ):
                depended_on.add(node.args[0].id)
    for name in sorted(depended_on & set(sync_functions)):
        yield f"{sync_functions[name].relative_to(ROOT)}: {name}"


@pytest.mark.parametrize("package", sorted(PACKAGES))
class TestServiceIndependence:
    def test_imports_no_other_service(self, package: str) -> None:
        others = set(PACKAGES) - {package}
        offenders = [
            f"{path.relative_to(ROOT)} imports {module}"
            for path in PACKAGES[package].rglob("*.py")
            for module in imported_modules(path)
            if module.split(".")[0] in others
        ]
        assert offenders == []

    def test_request_dependencies_are_async(self, package: str) -> None:
        assert list(sync_dependencies(PACKAGES[package])) == []

    def test_domain_knows_no_web_framework_or_http_client(self, package: str) -> None:
        offenders = [
            f"{path.relative_to(ROOT)} imports {module}"
            for layer, forbidden in LAYER_FORBIDDEN_IMPORTS.items()
            for path in (PACKAGES[package] / layer).rglob("*.py")
            for module in imported_modules(path)
            if module.split(".")[0] in forbidden
        ]
        assert offenders == []


class TestSharedLibrary:
    @pytest.mark.parametrize(
        "library", [ROOT / "shared" / "src" / "trivium", EMULATOR_KIT], ids=lambda path: path.name
    )
    def test_library_imports_no_service(self, library: Path) -> None:
        offenders = [
            f"{path.relative_to(ROOT)} imports {module}"
            for path in library.rglob("*.py")
            for module in imported_modules(path)
            if module.split(".")[0] in PACKAGES
        ]
        assert offenders == []

    def test_only_emulators_use_the_emulator_kit(self) -> None:
        # Service images stay free of emulator-only code such as fault injection.
        users = {
            package
            for package, folder in PACKAGES.items()
            for path in folder.rglob("*.py")
            if EMULATOR_KIT.name in {module.split(".")[0] for module in imported_modules(path)}
        }
        assert {package for package in users if not package.endswith("_emulator")} == set()

    def test_every_workspace_member_holds_one_package(self) -> None:
        projects = ROOT.glob("*/**/pyproject.toml")
        members = {path.parent for path in projects if not {".venv", ".tools"} & set(path.parts)}
        for member in members:
            sources = list((member / "src").glob("*/__init__.py"))
            assert len(sources) == 1, f"{member.relative_to(ROOT)} must hold one package under src/"


def test_shared_request_dependencies_are_async() -> None:
    assert list(sync_dependencies(ROOT / "shared" / "src" / "trivium")) == []


def test_system_api_ports_are_named_alike() -> None:
    """Every Protocol in a System API's port modules (`adapters/*port*.py`) ends in `Port`."""
    misnamed = []
    for package in ("erp_system", "salesforce_system"):
        for path in sorted((PACKAGES[package] / "adapters").glob("*port*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in (node for node in tree.body if isinstance(node, ast.ClassDef)):
                bases = {base.id for base in node.bases if isinstance(base, ast.Name)}
                if "Protocol" in bases and not node.name.endswith("Port"):
                    misnamed.append(f"{path.relative_to(ROOT)}: {node.name}")
    assert misnamed == []


COMPOSED_PACKAGES = sorted(
    name for name, folder in PACKAGES.items() if (folder / "bootstrap.py").exists()
)
# What the rest of a composed package may import from its adapters: the ports (and modules of
# ports, `*_port`), and (in tests) fakes.
ABSTRACT_ADAPTERS = {"__init__", "ports", "fake"}


def is_abstract_adapter(name: str) -> bool:
    return name in ABSTRACT_ADAPTERS or name.endswith("_port")


def module_name(package: str, path: Path) -> str:
    relative = path.relative_to(PACKAGES[package]).with_suffix("")
    parts = [part for part in relative.parts if part != "__init__"]
    return ".".join([package, *parts])


def package_imports(package: str, path: Path) -> Iterator[str]:
    """Modules of `package` a file imports, `from x import y` read as `x.y` when that is a
    module."""
    modules = {module_name(package, source) for source in PACKAGES[package].rglob("*.py")}
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            if name.split(".")[0] == package and name in modules:
                yield name


def reads_app(node: ast.expr) -> bool:
    """Whether an expression is `app` or `<something>.app` (as in `request.app`)."""
    return (isinstance(node, ast.Name) and node.id == "app") or (
        isinstance(node, ast.Attribute) and node.attr == "app"
    )


class TestCompositionRoot:
    @pytest.mark.parametrize("package", COMPOSED_PACKAGES)
    def test_only_bootstrap_imports_concrete_adapters(self, package: str) -> None:
        adapters = f"{package}.adapters."
        offenders = [
            f"{path.relative_to(ROOT)} imports {module}"
            for path in PACKAGES[package].rglob("*.py")
            if path.name != "bootstrap.py" and "adapters" not in path.relative_to(ROOT).parts
            for module in package_imports(package, path)
            if module.startswith(adapters)
            and not is_abstract_adapter(module.removeprefix(adapters).split(".")[0])
        ]
        assert offenders == []

    @pytest.mark.parametrize("package", COMPOSED_PACKAGES)
    def test_only_main_and_bootstrap_touch_app_state(self, package: str) -> None:
        owners = {PACKAGES[package] / "main.py", PACKAGES[package] / "bootstrap.py"}
        offenders = [
            f"{path.relative_to(ROOT)}:{node.lineno}"
            for path in PACKAGES[package].rglob("*.py")
            if path not in owners
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
            if isinstance(node, ast.Attribute) and node.attr == "state" and reads_app(node.value)
        ]
        assert offenders == []

    @pytest.mark.parametrize("package", COMPOSED_PACKAGES)
    def test_domain_records_metrics_through_a_port(self, package: str) -> None:
        offenders = [
            f"{path.relative_to(ROOT)} imports {module}"
            for path in (PACKAGES[package] / "domain").rglob("*.py")
            for module in imported_modules(path)
            if module.startswith(("prometheus_client", f"{package}.metrics"))
        ]
        assert offenders == []

    @pytest.mark.parametrize("package", sorted(PACKAGES))
    def test_no_import_cycles(self, package: str) -> None:
        assert import_cycle(package) == []


def imports_at_module_level(package: str, path: Path) -> Iterator[str]:
    """Absolute names a file imports outside functions and classes (relative imports resolved),
    type checking included: a cycle only the type checker sees is still one of the design."""
    current = module_name(package, path).split(".")
    base = current if path.name == "__init__.py" else current[:-1]

    def visit(nodes: list[ast.stmt]) -> Iterator[str]:
        for node in nodes:
            if isinstance(node, ast.Import):
                yield from (alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                prefix = ".".join(base[: len(base) - node.level + 1]) if node.level else ""
                module = ".".join(part for part in (prefix, node.module or "") if part)
                yield module
                yield from (f"{module}.{alias.name}" for alias in node.names)
            elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                for field in ("body", "orelse", "finalbody", "handlers"):
                    inner = getattr(node, field, None)
                    if isinstance(inner, list):
                        yield from visit([item for item in inner if isinstance(item, ast.stmt)])

    yield from visit(ast.parse(path.read_text(), filename=str(path)).body)


def import_cycle(package: str) -> list[str]:
    """One cycle of imports between a package's modules, or []. A package's `__init__` importing
    its own submodules is how a package re-exports them, not a cycle."""
    modules = {module_name(package, path): path for path in PACKAGES[package].rglob("*.py")}
    graph = {
        name: sorted(
            {
                target
                for imported in imports_at_module_level(package, path)
                for target in (imported, imported.rpartition(".")[0])
                if target in modules
                and target != name
                and not (path.name == "__init__.py" and target.startswith(f"{name}."))
            }
        )
        for name, path in modules.items()
    }
    state: dict[str, str] = {}
    trail: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        trail.append(node)
        for target in graph[node]:
            if state.get(target) == "open":
                return [*trail[trail.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        trail.pop()
        state[node] = "done"
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []
