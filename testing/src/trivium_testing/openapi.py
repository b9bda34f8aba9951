"""OpenAPI contracts: each service's document exported to `contracts/openapi/<service>.json`,
checked for drift against the app, and for breaking changes against the version on `main`.

Breaking, for the clients a document was published to: a removed path, operation or success
response; a response field removed, no longer always present, or able to hold a type it could
not before; a new required request field or parameter, or a request field the provider now
refuses. Everything else (additions above all) passes.
"""

from __future__ import annotations

import difflib
import importlib
import json
import subprocess
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from trivium_testing.pacts import contracts_dir, updating_contracts

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JsonObject = dict[str, Any]


def openapi_services(path: Path | None = None) -> dict[str, str]:
    """Service name -> app factory, from `contracts/services.toml`."""
    source = path or contracts_dir() / "services.toml"
    services: dict[str, str] = tomllib.loads(source.read_text())["openapi"]
    return services


def app_document(factory: str) -> JsonObject:
    """The OpenAPI document of the app `package.module:function` builds (nothing is started)."""
    module_name, _, function = factory.partition(":")
    app = getattr(importlib.import_module(module_name), function)()
    document: JsonObject = app.openapi()
    return document


def render(document: Mapping[str, Any]) -> str:
    """The committed form of a document: stable key order, one trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def document_path(service: str, directory: Path | None = None) -> Path:
    return (directory or contracts_dir() / "openapi") / f"{service}.json"


def check_drift(document: Mapping[str, Any], path: Path) -> None:
    """Fail when the committed document differs from the app's (rewrite it when updating)."""
    expected = render(document)
    if updating_contracts():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(expected)
        return
    committed = path.read_text() if path.exists() else ""
    if committed != expected:
        diff = difflib.unified_diff(
            committed.splitlines(), expected.splitlines(), "committed", "app", lineterm="", n=2
        )
        shown = "\n".join(list(diff)[:60])
        raise AssertionError(
            f"{path.name} differs from the app's OpenAPI document; run `make contracts`, review "
            f"the change and commit it.\n{shown}"
        )


def main_version(path: Path, *, ref: str = "main") -> JsonObject | None:
    """The document as committed on `ref`, or None when it is not there (a new service)."""
    root = contracts_dir().resolve().parent
    relative = path.resolve().relative_to(root).as_posix()
    shown = subprocess.run(
        ["git", "show", f"{ref}:{relative}"], cwd=root, capture_output=True, check=False
    )
    if shown.returncode != 0:
        return None
    document: JsonObject = json.loads(shown.stdout)
    return document


class _Documents:
    """Both documents, for resolving `$ref`s while walking them side by side."""

    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        self.old = old
        self.new = new
        self.seen: set[tuple[str, str, str]] = set()
        self.problems: list[str] = []

    def report(self, problem: str) -> None:
        self.problems.append(problem)

    def shaped(self, old: Any, new: Any, key: str) -> tuple[JsonObject | None, JsonObject | None]:
        """The old and the new schema's member that has `key` (`properties`, `items`), if any."""
        return _shaped(self.old, old, key), _shaped(self.new, new, key)

    def first_comparison(self, direction: str, old_object: Any, new_object: Any) -> bool:
        """Whether this pair of object schemas is compared in this direction for the first time
        (so that a schema that refers to itself is walked once)."""
        key = (
            direction,
            json.dumps(old_object, sort_keys=True),
            json.dumps(new_object, sort_keys=True),
        )
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


def _resolve(document: Mapping[str, Any], schema: Any) -> JsonObject:
    while isinstance(schema, dict) and "$ref" in schema:
        target: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    return schema if isinstance(schema, dict) else {}


def _members(document: Mapping[str, Any], schema: Any) -> Iterator[JsonObject]:
    """The alternatives a value of the schema may take (unions and single-item allOfs flattened)."""
    resolved = _resolve(document, schema)
    alternatives = resolved.get("anyOf") or resolved.get("oneOf")
    if alternatives:
        for member in alternatives:
            yield from _members(document, member)
    elif len(resolved.get("allOf", [])) == 1:
        yield from _members(document, resolved["allOf"][0])
    else:
        yield resolved


def _types(document: Mapping[str, Any], schema: Any) -> set[str]:
    """JSON types a value may have; empty when the schema does not say (anything goes)."""
    found: set[str] = set()
    for member in _members(document, schema):
        declared = member.get("type")
        if isinstance(declared, str):
            found.add(declared)
        elif isinstance(declared, list):
            found.update(declared)
        elif "properties" in member:
            found.add("object")
        elif "enum" in member or "const" in member:
            values = member.get("enum", [member.get("const")])
            found.update(_json_type(value) for value in values)
        else:
            return set()
    return found


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}[type(value)]


def _shaped(document: Mapping[str, Any], schema: Any, key: str) -> JsonObject | None:
    return next((m for m in _members(document, schema) if key in m), None)


def _widened(old: set[str], new: set[str]) -> bool:
    if not old or not new:
        return False
    # An integer is a number: a number field that now only holds integers still holds numbers.
    return not {"number" if t == "integer" and "number" in old else t for t in new} <= old


def _walk_response(docs: _Documents, old: Any, new: Any, at: str) -> None:
    old_types, new_types = _types(docs.old, old), _types(docs.new, new)
    if _widened(old_types, new_types):
        docs.report(f"{at}: retyped from {sorted(old_types)} to {sorted(new_types)}")
        return
    old_object, new_object = docs.shaped(old, new, "properties")
    if old_object is not None and new_object is not None:
        if not docs.first_comparison("response", old_object, new_object):
            return
        new_properties = new_object["properties"]
        new_required = set(new_object.get("required", []))
        for name, old_field in old_object["properties"].items():
            if name not in new_properties:
                docs.report(f"{at}.{name}: removed from the response")
                continue
            if name in old_object.get("required", []) and name not in new_required:
                docs.report(f"{at}.{name}: no longer always in the response")
            _walk_response(docs, old_field, new_properties[name], f"{at}.{name}")
    old_array, new_array = docs.shaped(old, new, "items")
    if old_array is not None and new_array is not None:
        _walk_response(docs, old_array["items"], new_array["items"], f"{at}[]")


def _walk_request(docs: _Documents, old: Any, new: Any, at: str) -> None:
    old_object, new_object = docs.shaped(old, new, "properties")
    if old_object is not None and new_object is not None:
        if not docs.first_comparison("request", old_object, new_object):
            return
        old_required = set(old_object.get("required", []))
        for name in sorted(set(new_object.get("required", [])) - old_required):
            docs.report(f"{at}.{name}: a new required request field")
        new_properties = new_object["properties"]
        for name, old_field in old_object["properties"].items():
            if name not in new_properties:
                if new_object.get("additionalProperties") is False:
                    docs.report(f"{at}.{name}: no longer accepted in the request")
                continue
            _walk_request(docs, old_field, new_properties[name], f"{at}.{name}")
    old_array, new_array = docs.shaped(old, new, "items")
    if old_array is not None and new_array is not None:
        _walk_request(docs, old_array["items"], new_array["items"], f"{at}[]")


def _json_schema(document: Mapping[str, Any], part: Any) -> Any:
    content = _resolve(document, part).get("content", {})
    for media_type, body in content.items():
        if media_type == "application/json" or media_type.endswith("+json"):
            return body.get("schema")
    return None


def _parameters(
    document: Mapping[str, Any], *levels: Mapping[str, Any]
) -> dict[tuple[str, str], JsonObject]:
    found = {}
    for level in levels:
        for parameter in level.get("parameters", []):
            resolved = _resolve(document, parameter)
            found[(resolved["in"], resolved["name"])] = resolved
    return found


def _walk_operation(docs: _Documents, old: JsonObject, new: JsonObject, where: str) -> None:
    old_op, new_op = old["operation"], new["operation"]
    old_parameters = _parameters(docs.old, old["item"], old_op)
    for (location, name), parameter in _parameters(docs.new, new["item"], new_op).items():
        before = old_parameters.get((location, name))
        if parameter.get("required") and not (before and before.get("required")):
            docs.report(f"{where}: a new required {location} parameter {name!r}")
    if "requestBody" in new_op:
        new_body = _resolve(docs.new, new_op["requestBody"])
        if "requestBody" not in old_op:
            if new_body.get("required"):
                docs.report(f"{where}: a new required request body")
        else:
            _walk_request(
                docs,
                _json_schema(docs.old, old_op["requestBody"]),
                _json_schema(docs.new, new_body),
                f"{where} request",
            )
    new_responses = new_op.get("responses", {})
    for status, old_response in old_op.get("responses", {}).items():
        if not str(status).startswith("2"):
            continue
        if status not in new_responses:
            docs.report(f"{where}: the {status} response was removed")
            continue
        old_schema = _json_schema(docs.old, old_response)
        new_schema = _json_schema(docs.new, new_responses[status])
        if old_schema is not None and new_schema is not None:
            _walk_response(docs, old_schema, new_schema, f"{where} {status}")


def breaking_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What in `new` breaks a client written against `old` (empty: compatible)."""
    docs = _Documents(old, new)
    new_paths = new.get("paths", {})
    for path, old_item in old.get("paths", {}).items():
        new_item = new_paths.get(path)
        if new_item is None:
            docs.report(f"{path}: the path was removed")
            continue
        for method in HTTP_METHODS:
            if method not in old_item:
                continue
            where = f"{method.upper()} {path}"
            if method not in new_item:
                docs.report(f"{where}: the operation was removed")
                continue
            _walk_operation(
                docs,
                {"item": old_item, "operation": old_item[method]},
                {"item": new_item, "operation": new_item[method]},
                where,
            )
    return docs.problems


def gateway_operations(
    document: Mapping[str, Any], *, prefix: str, scheme: str, kind: Mapping[str, str]
) -> set[tuple[str, str]]:
    """The (method, path) operations of a document as served through the gateway, after checking
    what every such document promises: only routes under `prefix`, the gateway as server, and
    `scheme` (its one security scheme, with the fields of `kind`) on every operation."""
    operations = {(method, path) for path, item in document["paths"].items() for method in item}
    assert operations
    assert all(path.startswith(f"{prefix}/") for _, path in operations)
    assert document["servers"] == [{"url": "/", "description": "The Trivium gateway"}]
    schemes = document["components"]["securitySchemes"]
    assert list(schemes) == [scheme]
    assert {key: schemes[scheme].get(key) for key in kind} == dict(kind)
    assert all(
        operation["security"] == [{scheme: []}]
        for item in document["paths"].values()
        for operation in item.values()
    )
    return operations
