"""The OData v2 request processor: one framework-free, synchronous `handle()` per operation.

The HTTP layer (and `$batch`, for each of its parts) turns a request into an `ODataRequest`
and runs `handle` in a worker thread; every write runs in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from s4hana_emulator.odata.edmx import (
    render_metadata,
    service_document_json,
    service_document_xml,
)
from s4hana_emulator.odata.errors import (
    ErrorContext,
    ODataError,
    bad_request,
    not_found,
    not_implemented,
    render_error,
    wants_xml,
)
from s4hana_emulator.odata.model import EntitySet, Navigation, ServiceModel
from s4hana_emulator.odata.query import (
    QueryOptions,
    Segment,
    next_link,
    parse_options,
    parse_segments,
)
from s4hana_emulator.odata.resources import Resolved, related_rows, resolve
from s4hana_emulator.odata.rules import Clock, EntityRules, WriteContext
from s4hana_emulator.odata.serialize import (
    RelatedLoader,
    Serializer,
    check_shape,
    entity_path,
    row_etag,
)
from s4hana_emulator.odata.sql import FilterError, compile_filter, compile_orderby
from s4hana_emulator.odata.store import Row, Store, key_of
from s4hana_emulator.odata.values import to_json
from s4hana_emulator.odata.writes import (
    Created,
    Unsaved,
    build_draft,
    check_precondition,
    create_tree,
    delete_entity,
    parse_body,
    reload,
    update_entity,
)

JSON_TYPE = "application/json;charset=utf-8"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "MERGE", "DELETE"})
_DEFAULT_RULES = EntityRules()


@dataclass
class ODataRequest:
    """One operation on a service; `path` is percent-decoded and relative to the root."""

    method: str
    service: str
    segments: list[str]
    query: list[tuple[str, str]]
    headers: Mapping[str, str]
    body: bytes
    base_url: str
    user: str

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class ODataResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    # The created entity's path, for `$n` references inside a changeset.
    created_path: str | None = None


@dataclass
class ServiceRuntime:
    """A service's model and the rules of its entity sets."""

    model: ServiceModel
    rules: dict[str, EntityRules] = field(default_factory=dict)
    # False for a simulation service: its writes answer as if done, and nothing is saved.
    saves: bool = True


class _Discarded(Exception):
    """Rolls back a write that has its answer (a simulation)."""

    def __init__(self, response: ODataResponse) -> None:
        super().__init__("discarded")
        self.response = response


def json_response(
    status: int, document: Any, headers: list[tuple[str, str]] | None = None
) -> ODataResponse:
    payload = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    return ODataResponse(status, [("content-type", JSON_TYPE), *(headers or [])], payload)


class ODataEngine:
    """Serves every registered service from one store."""

    def __init__(
        self, store: Store, services: list[ServiceRuntime], *, page_size: int, max_top: int
    ) -> None:
        self.store = store
        self.services = {runtime.model.name: runtime for runtime in services}
        self.page_size = page_size
        self.max_top = max_top
        self.clock = Clock()
        self._sets = {
            entity_set.name: entity_set
            for runtime in services
            for entity_set in runtime.model.entity_sets
        }
        self._rules = {name: rules for runtime in services for name, rules in runtime.rules.items()}

    def entity_set(self, name: str) -> EntitySet:
        """Any entity set of any service (rules work across services)."""
        return self._sets[name]

    def rules_for(self, set_name: str) -> EntityRules:
        return self._rules.get(set_name, _DEFAULT_RULES)

    def context(self, user: str) -> WriteContext:
        return WriteContext(self.store, self.entity_set, self.clock, user, rules_of=self.rules_for)

    def error_response(self, error: ODataError, request: ODataRequest) -> ODataResponse:
        runtime = self.services.get(request.service)
        context = ErrorContext(
            service=request.service, component=runtime.model.component if runtime else ""
        )
        format_option = dict(request.query).get("$format")
        body, content_type = render_error(
            error, context, xml=wants_xml(request.header("accept"), format_option)
        )
        headers = [("content-type", content_type), *error.headers.items()]
        return ODataResponse(error.status, headers, body)

    def handle(self, request: ODataRequest) -> ODataResponse:
        """Answer one request; errors come back in SAP's error format."""
        try:
            return self._dispatch(request)
        except ODataError as error:
            return self.error_response(error, request)

    def _dispatch(self, request: ODataRequest) -> ODataResponse:
        runtime = self.services.get(request.service)
        if runtime is None:
            raise not_found(request.service)
        model = runtime.model
        segments = [segment for segment in request.segments if segment]
        if not segments:
            if request.method not in ("GET", "HEAD"):
                raise bad_request("The service document is read-only")
            if not _wants_json(request):
                # Without a JSON request Gateway answers the service document as AtomPub XML.
                body = service_document_xml(model, request.base_url)
                return ODataResponse(200, [("content-type", "application/xml;charset=utf-8")], body)
            return json_response(200, service_document_json(model))
        if segments == ["$metadata"]:
            if request.method not in ("GET", "HEAD"):
                raise bad_request("$metadata is read-only")
            return ODataResponse(
                200, [("content-type", "application/xml;charset=utf-8")], render_metadata(model)
            )
        options = parse_options(request.query)
        parsed = parse_segments(segments)
        if request.method in ("GET", "HEAD"):
            return self._read(request, model, parsed, options)
        if not runtime.saves and request.method == "POST":
            # A simulation's rules only read: its answer is built without writing, under the
            # store's lock for one consistent view of what they read.
            with self.store.lock:
                return self._write(request, model, parsed, saves=False)
        if not runtime.saves:
            try:
                with self.store.transaction():
                    raise _Discarded(self._write(request, model, parsed))
            except _Discarded as discarded:
                return discarded.response
        with self.store.transaction():
            return self._write(request, model, parsed)

    # Reads -----------------------------------------------------------------------------------

    def _read(
        self,
        request: ODataRequest,
        model: ServiceModel,
        segments: list[Segment],
        options: QueryOptions,
    ) -> ODataResponse:
        with self.store.lock:
            target = resolve(self.store, model, segments)
            check_shape(options.shape, target.entity_set, model)
            serializer = Serializer(model, request.base_url, self._related(model))
            if target.prop is not None:
                return self._read_property(target)
            if target.row is not None:
                body = serializer.entity(target.entity_set, target.row, options.shape)
                etag = row_etag(target.entity_set, target.row)
                return json_response(200, {"d": body}, [("etag", etag)] if etag else None)
            return self._read_collection(request, model, target, options, serializer)

    def _related(self, model: ServiceModel) -> RelatedLoader:
        def load(entity_set: EntitySet, row: Row, nav: Navigation) -> list[Row]:
            target = model.get_entity_set(nav.target)
            assert target is not None
            return related_rows(self.store, target, row, nav)

        return load

    def _read_property(self, target: Resolved) -> ODataResponse:
        assert target.prop is not None
        assert target.row is not None
        value = to_json(target.prop, target.row.get(target.prop.name))
        if target.raw_value:
            text = (
                ""
                if value is None
                else str(value).lower()
                if isinstance(value, bool)
                else str(value)
            )
            return ODataResponse(200, [("content-type", "text/plain;charset=utf-8")], text.encode())
        return json_response(200, {"d": {target.prop.name: value}})

    def _conditions(
        self, model: ServiceModel, target: Resolved, options: QueryOptions
    ) -> tuple[str, list[Any]]:
        where, params = target.where()
        if options.filter is not None:
            try:
                condition, filter_params = compile_filter(options.filter, target.entity_set, model)
            except FilterError as error:
                raise bad_request(str(error)) from error
            where = f"{where} AND {condition}" if where else condition
            params = params + filter_params
        return where, params

    def _read_collection(
        self,
        request: ODataRequest,
        model: ServiceModel,
        target: Resolved,
        options: QueryOptions,
        serializer: Serializer,
    ) -> ODataResponse:
        entity_set = target.entity_set
        where, params = self._conditions(model, target, options)
        if target.count:
            total = self.store.count(entity_set, where=where, params=params)
            return ODataResponse(
                200, [("content-type", "text/plain;charset=utf-8")], str(total).encode()
            )
        try:
            order = compile_orderby(options.orderby, entity_set) if options.orderby else ""
        except FilterError as error:
            raise bad_request(str(error)) from error
        offset = options.skip + options.skiptoken
        page = self.page_size if options.top is None else min(options.top, self.max_top)
        rows = self.store.select(
            entity_set, where=where, params=params, order=order, limit=page + 1, offset=offset
        )
        next_url = None
        if len(rows) > page and (options.top is None or options.top > page):
            rows = rows[:page]
            remaining = None if options.top is None else options.top - page
            path = "/".join(request.segments)
            next_url = next_link(
                request.base_url, path, options, offset=offset + page, remaining=remaining
            )
        rows = rows[:page]
        count = (
            self.store.count(entity_set, where=where, params=params)
            if options.inlinecount
            else None
        )
        body = serializer.collection(
            entity_set, rows, options.shape, count=count, next_url=next_url
        )
        return json_response(200, body)

    # Writes ----------------------------------------------------------------------------------

    def _write(
        self,
        request: ODataRequest,
        model: ServiceModel,
        segments: list[Segment],
        *,
        saves: bool = True,
    ) -> ODataResponse:
        target = resolve(self.store, model, segments)
        ctx = self.context(request.user)
        if request.method == "POST":
            return self._create(request, model, target, ctx, saves=saves)
        entity_set = target.entity_set
        if target.row is None or target.prop is not None or target.count:
            raise bad_request(f"{request.method} needs the path of one entity")
        allowed = entity_set.deletable if request.method == "DELETE" else entity_set.updatable
        if not allowed:
            raise not_implemented(request.method, entity_set.name)
        check_precondition(entity_set, target.row, request.header("if-match"))
        if request.method == "DELETE":
            delete_entity(ctx, self.rules_for, model, entity_set, target.row)
            return ODataResponse(204)
        body = parse_body(request.body)
        updated = update_entity(
            ctx, self.rules_for, entity_set, target.row, body, replace=request.method == "PUT"
        )
        # Rules may change the entity again (e.g. repricing): answer with its final version.
        stored = self.store.get(entity_set, key_of(entity_set, updated)) or updated
        etag = row_etag(entity_set, stored)
        return ODataResponse(204, [("etag", etag)] if etag else [])

    def _create(
        self,
        request: ODataRequest,
        model: ServiceModel,
        target: Resolved,
        ctx: WriteContext,
        *,
        saves: bool = True,
    ) -> ODataResponse:
        entity_set = target.entity_set
        if not target.is_collection or target.count:
            raise bad_request("POST needs the path of a collection")
        if not entity_set.creatable:
            raise not_implemented("POST", entity_set.name)
        draft = build_draft(entity_set, parse_body(request.body), model)
        parent, via = (target.parent[1], target.parent[2]) if target.parent else (None, None)
        if saves:
            created = reload(ctx, create_tree(ctx, self.rules_for, draft, parent=parent, via=via))
        else:
            created = create_tree(
                ctx, self.rules_for, draft, parent=parent, via=via, unsaved=Unsaved()
            )
        serializer = Serializer(model, request.base_url, self._related(model))
        body = _created_body(serializer, created)
        row = created.row
        path = entity_path(entity_set, row)
        headers = [("location", request.base_url + path)]
        etag = row_etag(entity_set, row)
        if etag:
            headers.append(("etag", etag))
        response = json_response(201, {"d": body}, headers)
        response.created_path = path
        return response


def _wants_json(request: ODataRequest) -> bool:
    format_option = dict(request.query).get("$format")
    if format_option is not None:
        return format_option == "json"
    return "json" in (request.header("accept") or "")


def _created_body(serializer: Serializer, created: Created) -> dict[str, Any]:
    """The created entity with its deep-inserted children expanded (as SAP answers)."""
    body = serializer.entity(created.entity_set, created.row)
    for nav_name, children in created.children.items():
        nav = created.entity_set.get_navigation(nav_name)
        assert nav is not None
        entities = [_created_body(serializer, child) for child in children]
        body[nav_name] = {"results": entities} if nav.many else (entities[0] if entities else None)
    return body
