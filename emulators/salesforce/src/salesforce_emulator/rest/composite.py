"""Composite calls: `/composite` (references, allOrNone) and `/composite/batch`."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from salesforce_emulator.domain.context import WriteContext
from salesforce_emulator.domain.errors import bad_request, json_parser_error
from salesforce_emulator.rest.context import CallContext, RestResponse, expect_object
from salesforce_emulator.rest.dispatch import dispatch

MAX_SUBREQUESTS = 25
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
REFERENCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*$")
REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")
# Everything Salesforce takes for a reference: it has no escape for `@{` in a composite body.
ANY_REFERENCE = re.compile(r"@\{([^}]*)\}")
PATH_STEP = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]")
HALTED = "The transaction was rolled back since another operation in the same transaction failed."


class UnresolvedReference(Exception):
    """A `@{ref.path}` with no value: the subrequest fails with PROCESSING_HALTED."""

    def __init__(self, reference: str, reference_id: str) -> None:
        super().__init__(
            f"Invalid reference specified. No value for {reference} found in {reference_id}. "
            "Provided referenceId ids must start with a letter or a number, and they can contain "
            "only letters, numbers and underscores (_)."
        )


class _Rollback(Exception):
    pass


def _lookup(candidate: re.Match[str], done: dict[str, RestResponse]) -> Any:
    match = REFERENCE.fullmatch(candidate.group())
    if match is None:
        text = candidate.group(1)
        raise UnresolvedReference(text, re.split(r"[.\[]", text, maxsplit=1)[0])
    reference_id, path = match.group(1), match.group(2)
    reference = reference_id + path
    response = done.get(reference_id)
    if response is None or response.status >= 400:
        raise UnresolvedReference(reference, reference_id)
    value: Any = response.body
    for step in PATH_STEP.finditer(path):
        key, index = step.group(1), step.group(2)
        try:
            value = value[int(index)] if index is not None else value[key]
        except (KeyError, IndexError, TypeError) as error:
            raise UnresolvedReference(reference, reference_id) from error
    return value


def resolve(value: Any, done: dict[str, RestResponse]) -> Any:
    """`value` with every `@{ref.path}` replaced by the referenced response's value."""
    if isinstance(value, str):
        whole = ANY_REFERENCE.fullmatch(value)
        if whole:
            return _lookup(whole, done)
        return ANY_REFERENCE.sub(lambda match: str(_lookup(match, done)), value)
    if isinstance(value, dict):
        return {key: resolve(item, done) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, done) for item in value]
    return value


def _subrequests(body: Any) -> tuple[list[dict[str, Any]], bool]:
    payload = expect_object(body, "CompositeRequest")
    requests = payload.get("compositeRequest")
    if not isinstance(requests, list) or not requests:
        raise bad_request("INVALID_INPUT", "compositeRequest is required and must not be empty")
    if len(requests) > MAX_SUBREQUESTS:
        raise bad_request(
            "LIMIT_EXCEEDED", f"Limit exceeded: at most {MAX_SUBREQUESTS} subrequests are allowed"
        )
    seen: set[str] = set()
    for item in requests:
        if not isinstance(item, dict):
            raise json_parser_error("Cannot deserialize instance of CompositeSubrequest")
        method, url, reference_id = item.get("method"), item.get("url"), item.get("referenceId")
        if method not in METHODS:
            raise json_parser_error(f"Cannot deserialize value of type HttpMethod from {method!r}")
        if not isinstance(url, str) or not isinstance(reference_id, str):
            raise bad_request("INVALID_INPUT", "Each subrequest needs a url and a referenceId")
        if not REFERENCE_ID.match(reference_id) or reference_id in seen:
            raise bad_request("INVALID_INPUT", f"Invalid or duplicate referenceId: {reference_id}")
        seen.add(reference_id)
    return requests, bool(payload.get("allOrNone", False))


def _entry(reference_id: str, response: RestResponse) -> dict[str, Any]:
    return {
        "body": response.body,
        "httpHeaders": response.headers,
        "httpStatusCode": response.status,
        "referenceId": reference_id,
    }


def _halted(message: str = HALTED) -> RestResponse:
    return RestResponse(400, [{"errorCode": "PROCESSING_HALTED", "message": message}])


def _run(
    call: CallContext, requests: list[dict[str, Any]], *, all_or_none: bool
) -> dict[str, RestResponse]:
    done: dict[str, RestResponse] = {}
    for item in requests:
        sub_call = call if all_or_none else replace(call, _write=None)
        try:
            url = resolve(item["url"], done)
            body = resolve(item.get("body"), done)
        except UnresolvedReference as error:
            done[item["referenceId"]] = _halted(str(error))
        else:
            response = dispatch(sub_call, item["method"], url, body, all_or_none=all_or_none)
            done[item["referenceId"]] = response
        if all_or_none and done[item["referenceId"]].status >= 400:
            break
    return done


def composite(call: CallContext, body: Any) -> RestResponse:
    """POST /composite: subrequests in order, later ones referring to earlier results."""
    requests, all_or_none = _subrequests(body)
    if not all_or_none:
        done = _run(call, requests, all_or_none=False)
    else:
        shared = replace(call, _write=WriteContext(call.session.user.id, call.write.origin))
        try:
            with call.emulator.org.store.transaction():
                done = _run(shared, requests, all_or_none=True)
                if any(response.status >= 400 for response in done.values()):
                    raise _Rollback
        except _Rollback:
            failed = next(key for key, response in done.items() if response.status >= 400)
            done = {
                item["referenceId"]: done[failed] if item["referenceId"] == failed else _halted()
                for item in requests
            }
    entries = [_entry(item["referenceId"], done[item["referenceId"]]) for item in requests]
    return RestResponse(200, {"compositeResponse": entries})


def batch(call: CallContext, body: Any) -> RestResponse:
    """POST /composite/batch: independent subrequests with version-relative URLs."""
    payload = expect_object(body, "BatchRequest")
    requests = payload.get("batchRequests")
    if not isinstance(requests, list) or not requests or len(requests) > MAX_SUBREQUESTS:
        raise bad_request("INVALID_BATCH_REQUEST", "batchRequests must hold 1 to 25 subrequests")
    halt = bool(payload.get("haltOnError", False))
    results: list[dict[str, Any]] = []
    halted = False
    for item in requests:
        if halted:
            message = "The transaction was rolled back since another operation in the batch failed."
            results.append(
                {
                    "statusCode": 412,
                    "result": [{"errorCode": "BATCH_PROCESSING_HALTED", "message": message}],
                }
            )
            continue
        if not isinstance(item, dict) or item.get("method") not in METHODS:
            raise json_parser_error("Each batch subrequest needs a valid method")
        url = "/services/data/" + str(item.get("url", "")).lstrip("/")
        response = dispatch(replace(call, _write=None), item["method"], url, item.get("richInput"))
        results.append({"statusCode": response.status, "result": response.body})
        halted = halt and response.status >= 400
    has_errors = any(result["statusCode"] >= 400 for result in results)
    return RestResponse(200, {"hasErrors": has_errors, "results": results})


def composite_resources(call: CallContext) -> RestResponse:
    """GET /composite: the composite resources of this version."""
    names = ("tree", "batch", "sobjects", "graph")
    return RestResponse(200, {name: f"{call.base}/composite/{name}" for name in names})
