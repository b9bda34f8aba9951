"""SOQL errors carrying Salesforce's error code and message wording."""

from __future__ import annotations

from salesforce_emulator.soql.nodes import Position

MALFORMED_QUERY = "MALFORMED_QUERY"
INVALID_FIELD = "INVALID_FIELD"
INVALID_TYPE = "INVALID_TYPE"
INVALID_QUERY_FILTER_OPERATOR = "INVALID_QUERY_FILTER_OPERATOR"
NUMBER_OUTSIDE_VALID_RANGE = "NUMBER_OUTSIDE_VALID_RANGE"

_WSDL_HINT = "Please reference your WSDL or the describe call for the appropriate names."


class SoqlError(Exception):
    """A query Salesforce would reject; `error_code` and `message` go into the 400 body."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message


def located_error(code: str, text: str, where: Position | None, detail: str) -> SoqlError:
    """Build an error whose message echoes the query line with a caret, like Salesforce."""
    if where is None:
        return SoqlError(code, detail)
    lines = text.splitlines() or [""]
    row = min(max(where.line, 1), len(lines))
    caret = " " * max(where.column - 1, 0) + "^"
    message = (
        f"\n{lines[row - 1]}\n{caret}\nERROR at Row:{where.line}:Column:{where.column}\n{detail}"
    )
    return SoqlError(code, message)


def no_such_column(field: str, object_name: str) -> str:
    """Salesforce's text for an unknown field."""
    return (
        f"No such column '{field}' on entity '{object_name}'. If you are attempting to use a "
        f"custom field, be sure to append the '__c' after the custom field name. {_WSDL_HINT}"
    )


def unknown_relationship(name: str) -> str:
    """Salesforce's text for an unknown parent relationship in a field path."""
    return (
        f"Didn't understand relationship '{name}' in field path. If you are attempting to use "
        f"a custom relationship, be sure to append the '__r' after the custom relationship "
        f"name. {_WSDL_HINT}"
    )


def unknown_child_relationship(name: str) -> str:
    """Salesforce's text for an unknown child relationship in a subquery's FROM."""
    return (
        f"Didn't understand relationship '{name}' in FROM part of query call. If you are "
        f"attempting to use a custom relationship, be sure to append the '__r' after the custom "
        f"relationship name. {_WSDL_HINT}"
    )


def unsupported_object(name: str) -> str:
    """Salesforce's text for an unknown sObject type."""
    return (
        f"sObject type '{name}' is not supported. If you are attempting to use a custom object, "
        f"be sure to append the '__c' after the entity name. {_WSDL_HINT}"
    )
