"""Kong's router (traditional_compatible flavour) for the routes of kong.yml.

Routes are tried most specific first: more matching attributes (methods, hosts, headers, paths)
first, then higher `regex_priority`, regex paths before prefix paths, then longer prefixes.
A prefix path matches any request path that starts with it, as in Kong. The upstream path follows
Kong's `path_handling` (v0 by default) and `strip_path`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from trivium_gateway.entities import DeclarativeConfig, Route, Service


@dataclass(frozen=True, slots=True)
class RouteMatch:
    route: Route
    service: Service
    upstream_path: str
    stripped_prefix: str | None


@dataclass(frozen=True, slots=True)
class _PathMatcher:
    prefix: str | None
    regex: re.Pattern[str] | None

    def match(self, path: str) -> str | None:
        """The matched leading part of `path`, or None."""
        if self.prefix is not None:
            return self.prefix if path.startswith(self.prefix) else None
        assert self.regex is not None
        found = self.regex.match(path)
        return found.group(0) if found else None


@dataclass(frozen=True, slots=True)
class _Candidate:
    route: Route
    service: Service
    paths: tuple[_PathMatcher, ...]
    hosts: tuple[str, ...]


class Router:
    """Finds the route of a request, as Kong would."""

    def __init__(self, config: DeclarativeConfig) -> None:
        candidates = []
        for route in config.routes:
            service = config.services[route.service_id]
            if not service.entity.get("enabled", True):
                continue
            matchers = sorted(
                (_path_matcher(path) for path in route.paths),
                key=lambda m: (m.regex is None, -len(m.prefix or "")),
            )
            candidates.append(_Candidate(route, service, tuple(matchers), route.hosts))
        self._candidates = sorted(candidates, key=_priority, reverse=True)

    def match(
        self, *, method: str, scheme: str, host: str, path: str, raw_path: str
    ) -> RouteMatch | None:
        """The route for a request and the path the upstream should get."""
        for candidate in self._candidates:
            route = candidate.route
            if scheme not in route.protocols:
                continue
            if route.methods is not None and method not in route.methods:
                continue
            if candidate.hosts and not any(_host_matches(h, host) for h in candidate.hosts):
                continue
            matched = _first_path_match(candidate.paths, path)
            if candidate.paths and matched is None:
                continue
            return _build_match(candidate, matched, path, raw_path)
        return None


def _path_matcher(path: str) -> _PathMatcher:
    if path.startswith("~"):
        return _PathMatcher(None, re.compile(path[1:]))
    return _PathMatcher(path, None)


def _priority(candidate: _Candidate) -> tuple[int, int, int, int]:
    route = candidate.route
    weight = sum(bool(x) for x in (route.methods, route.hosts, route.paths))
    weight += bool(route.entity.get("headers"))
    has_regex = any(m.regex is not None for m in candidate.paths)
    longest = max((len(m.prefix) for m in candidate.paths if m.prefix is not None), default=0)
    return (weight, route.regex_priority, int(has_regex), longest)


def _first_path_match(matchers: tuple[_PathMatcher, ...], path: str) -> str | None:
    for matcher in matchers:
        matched = matcher.match(path)
        if matched is not None:
            return matched
    return None


def _host_matches(pattern: str, host: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    if pattern.endswith(".*"):
        return host.startswith(pattern[:-1])
    return pattern == host


def _build_match(
    candidate: _Candidate, matched: str | None, path: str, raw_path: str
) -> RouteMatch:
    route, service = candidate.route, candidate.service
    stripped = None
    remainder = raw_path
    if route.strip_path and matched:
        stripped = matched
        # The matched prefix is plain text; the raw path keeps the client's percent-encoding.
        remainder = (
            raw_path[len(matched) :] if raw_path.startswith(matched) else path[len(matched) :]
        )
    upstream = join_paths(service.path, remainder, handling=route.path_handling)
    return RouteMatch(route, service, upstream, stripped)


def join_paths(service_path: str | None, remainder: str, *, handling: str = "v0") -> str:
    """The upstream path from the service's path and what is left of the request path."""
    if service_path is None:
        if not remainder:
            return "/"
        return remainder if remainder.startswith("/") else "/" + remainder
    if not remainder:
        return service_path
    if handling == "v1":
        return service_path + remainder
    if service_path.endswith("/") and remainder.startswith("/"):
        return service_path + remainder[1:]
    if not service_path.endswith("/") and not remainder.startswith("/"):
        return f"{service_path}/{remainder}"
    return service_path + remainder


def request_host(headers: Mapping[str, str] | None, server: tuple[str, int] | None) -> str:
    """The host a request was addressed to (Host header without port, else the server's)."""
    value = (headers or {}).get("host")
    if value:
        if value.startswith("["):
            return value.split("]", 1)[0] + "]"
        return value.rsplit(":", 1)[0].lower() if ":" in value else value.lower()
    return server[0] if server else ""
