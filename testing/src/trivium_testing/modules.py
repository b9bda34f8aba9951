"""Loading a Python file that is not installed (a script, a module of recorded answers) as a
module, for tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_module(path: Path, name: str | None = None, *, register: bool = False) -> ModuleType:
    """The module in `path`, named `name` (default: the file's stem). With `register`, it is in
    `sys.modules` before it runs, so that files beside it that import it by name get this one."""
    module_name = name or path.stem
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path} cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    if register:
        sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module
