"""Kong's schema language (the subset our configuration uses): validation and defaults.

Kong describes every entity and plugin configuration as a list of one-key field tables
(`{ {name = {type = "string", default = ...}}, ... }`); Python plugins declare their `Schema` the
same way, so one checker serves kong.yml's entities, the bundled plugins and our own plugins.
As in Kong: unknown fields are errors, strings must not be empty unless `len_min = 0`, missing
fields take their default, a missing non-required record is filled from its fields' defaults, and
any other missing field is null (None).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

FieldSpec = Mapping[str, Any]
Fields = Sequence[Mapping[str, FieldSpec]]


class SchemaError(ValueError):
    """A configuration that Kong would refuse, with one message per offending field."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.errors.items()))


def field_specs(fields: Fields) -> dict[str, FieldSpec]:
    """The fields of a schema by name, in declaration order."""
    specs: dict[str, FieldSpec] = {}
    for entry in fields:
        ((name, spec),) = entry.items()
        specs[name] = spec
    return specs


def validate_record(fields: Fields, value: object, *, path: str = "config") -> dict[str, Any]:
    """The record with defaults filled in; raises SchemaError listing every problem."""
    errors: dict[str, str] = {}
    result = _record(field_specs(fields), value, path, errors)
    if errors:
        raise SchemaError(errors)
    return result


def _record(
    specs: Mapping[str, FieldSpec], value: object, path: str, errors: dict[str, str]
) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        errors[path] = "expected a record"
        return {}
    result: dict[str, Any] = {}
    for name in value:
        if name not in specs:
            errors[f"{path}.{name}"] = "unknown field"
    for name, spec in specs.items():
        field_path = f"{path}.{name}"
        given = value.get(name)
        if given is not None:
            result[name] = _value(spec, given, field_path, errors)
        else:
            result[name] = _missing(spec, field_path, errors)
    return result


def _missing(spec: FieldSpec, path: str, errors: dict[str, str]) -> Any:
    if "default" in spec:
        return copy.deepcopy(spec["default"])
    if spec.get("required"):
        errors[path] = "required field missing"
        return None
    if spec.get("type") == "record":
        return _record(field_specs(spec.get("fields", ())), {}, path, errors)
    return None


def _value(spec: FieldSpec, value: Any, path: str, errors: dict[str, str]) -> Any:
    kind = spec.get("type")
    checker = _CHECKERS.get(str(kind))
    if checker is None:
        errors[path] = f"unsupported field type {kind!r}"
        return value
    return checker(spec, value, path, errors)


def _string(spec: FieldSpec, value: Any, path: str, errors: dict[str, str]) -> Any:
    if not isinstance(value, str):
        errors[path] = "expected a string"
        return value
    if len(value) < spec.get("len_min", 1):
        errors[path] = "length must be at least " + str(spec.get("len_min", 1))
    elif "len_max" in spec and len(value) > spec["len_max"]:
        errors[path] = f"length must be at most {spec['len_max']}"
    elif "starts_with" in spec and not value.startswith(spec["starts_with"]):
        errors[path] = f"should start with: {spec['starts_with']}"
    else:
        _check_one_of(spec, value, path, errors)
    return value


def _number(spec: FieldSpec, value: Any, path: str, errors: dict[str, str]) -> Any:
    integral = spec.get("type") == "integer"
    valid = isinstance(value, int) if integral else isinstance(value, (int, float))
    if isinstance(value, bool) or not valid:
        errors[path] = "expected an integer" if integral else "expected a number"
        return value
    between = spec.get("between")
    if between is not None and not between[0] <= value <= between[1]:
        errors[path] = f"value should be between {between[0]} and {between[1]}"
    elif "gt" in spec and not value > spec["gt"]:
        errors[path] = f"value must be greater than {spec['gt']}"
    else:
        _check_one_of(spec, value, path, errors)
    return value


def _boolean(spec: FieldSpec, value: Any, path: str, errors: dict[str, str]) -> Any:
    if not isinstance(value, bool):
        errors[path] = "expected a boolean"
    return value


def _sequence(spec: FieldSpec, value: Any, path: str, errors: dict[str, str]) -> Any:
    if not isinstance(value, list):
        errors[path] = "expected an array" if spec.get("type") == "array" else "expected a set"
        return value
    if len(value) < spec.get("len_min", 0):
        errors[path] = f"length must be at least {spec['len_min']}"
    if "len_max" in spec and len(value) > spec["len_max"]:
        errors[path] = f"length must be at most {spec['len_max']}"
    elements = spec.get("elements", {"type": "string"})
    items = [_value(elements, item, f"{path}[{index}]", errors) for index, item in enumerate(value)]
    if spec.get("type") == "set":
        unique: list[Any] = []
        for item in items:
            if item not in unique:
                unique.append(item)
        return unique
    return items


def _map(spec: FieldSpec, value: Any, path: str, errors: dict[str, str]) -> Any:
    if not isinstance(value, Mapping):
        errors[path] = "expected a map"
        return value
    if len(value) < spec.get("len_min", 0):
        errors[path] = f"length must be at least {spec['len_min']}"
    keys = spec.get("keys", {"type": "string"})
    values = spec.get("values", {"type": "string"})
    result: dict[Any, Any] = {}
    for key, item in value.items():
        _value(keys, key, f"{path}.{key}", errors)
        result[key] = _value(values, item, f"{path}.{key}", errors)
    return result


def _nested_record(spec: FieldSpec, value: Any, path: str, errors: dict[str, str]) -> Any:
    return _record(field_specs(spec.get("fields", ())), value, path, errors)


def _foreign(spec: FieldSpec, value: Any, path: str, errors: dict[str, str]) -> Any:
    # A reference to another entity, by `{id: ...}`, `{name: ...}` or a bare name or id.
    if not isinstance(value, (Mapping, str)):
        errors[path] = "expected a reference to another entity"
    return value


def _check_one_of(spec: FieldSpec, value: Any, path: str, errors: dict[str, str]) -> None:
    choices = spec.get("one_of")
    if choices is not None and value not in choices:
        errors[path] = "expected one of: " + ", ".join(str(choice) for choice in choices)


_CHECKERS = {
    "string": _string,
    "number": _number,
    "integer": _number,
    "boolean": _boolean,
    "array": _sequence,
    "set": _sequence,
    "map": _map,
    "record": _nested_record,
    "foreign": _foreign,
}
