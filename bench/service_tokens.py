"""What the per-service EdDSA (Ed25519) service tokens cost, side by side with HS256.

Every internal call carries a service token (`trivium.service_auth`). Two kinds of call differ in
what they pay per request:
- a call without an end-user identity (process → System API) reuses its token until most of its
  life is spent, and the callee remembers a token it verified: per request, a dictionary lookup on
  each side, the same whatever the algorithm;
- a call that carries an identity (gateway → experience API, experience → process API) mints a
  fresh token, which the callee has never seen: one signature and one verification per request.
This script measures, in one process and one thread, the CPU time of each step for EdDSA as the
services do it (`ServiceTokenIssuer`, `ServiceTokenVerifier`) and for HS256 with a 32-byte secret
(PyJWT with the same claims and checks), medians over rounds after a warm-up. The token is the
only part of a hop that changes between the two algorithms, so the difference below is the
difference of the hop and gateway figures (`transport_hop.py`, `gateway_overhead.py`).
Run: `.venv/bin/python bench/service_tokens.py [--json PATH] [--tokens 2000] [--rounds 5]`.
"""

from __future__ import annotations

import secrets
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import jwt
from _script import argument_parser, print_table, publish

from trivium.keys import generate_private_key
from trivium.service_auth import ServiceTokenIssuer, ServiceTokenVerifier, TrustedKeySet

AUDIENCE = "mobile-experience"
IDENTITY = {"salesforceUsername": "anna.becker@trivium.demo", "plan": "internal"}
WARMUP = 200


class Hs256:
    """HS256 with one shared 32-byte secret, the same claims and checks as the services'."""

    def __init__(self) -> None:
        self.secret = secrets.token_bytes(32)

    def sign(self, claims: dict[str, Any]) -> str:
        now = int(time.time())
        payload = {**claims, "iss": "gateway", "aud": AUDIENCE, "iat": now, "exp": now + 120}
        return jwt.encode(payload, self.secret, algorithm="HS256")

    def verify(self, token: str) -> dict[str, Any]:
        payload: dict[str, Any] = jwt.decode(
            token,
            self.secret,
            algorithms=["HS256"],
            audience=AUDIENCE,
            options={"require": ["iss", "aud", "exp", "iat"]},
        )
        return payload


def eddsa() -> tuple[ServiceTokenIssuer, Callable[[], ServiceTokenVerifier]]:
    """The gateway's issuer, and a factory of fresh verifiers (empty memo) that trust it."""
    issuer = ServiceTokenIssuer(issuer="gateway", private_key=generate_private_key())
    keys = TrustedKeySet([issuer.trusted_key()])
    return issuer, lambda: ServiceTokenVerifier(audience=AUDIENCE, keys=keys)


def microseconds_per_item(operation: Callable[[Any], object], items: Sequence[Any]) -> float:
    """CPU microseconds per call of `operation` on each of `items`."""
    started = time.process_time()
    for item in items:
        operation(item)
    return (time.process_time() - started) / len(items) * 1e6


def measure(tokens: int, rounds: int) -> dict[str, dict[str, float]]:
    issuer, fresh_verifier = eddsa()
    hs256 = Hs256()
    samples: dict[str, dict[str, list[float]]] = {
        step: {"EdDSA": [], "HS256": []}
        for step in ("sign", "verify, first sight", "verify, remembered", "mint, reused")
    }
    # Claims of distinct requests (Ed25519 signatures are deterministic: the same claims in the
    # same second would make the same token, which the memo then answers).
    requests = [{**IDENTITY, "n": n} for n in range(tokens)]
    for claims in requests[:WARMUP]:
        fresh_verifier().verify(issuer.token_for(AUDIENCE, claims=claims))
        hs256.verify(hs256.sign(claims))
    for _ in range(rounds):
        signed = [issuer.token_for(AUDIENCE, claims=claims) for claims in requests]
        shared = [hs256.sign(claims) for claims in requests]
        verifier = fresh_verifier()
        reused = issuer.token_for(AUDIENCE)
        verifier.verify(reused)
        measured = {
            "sign": (
                microseconds_per_item(
                    lambda claims: issuer.token_for(AUDIENCE, claims=claims), requests
                ),
                microseconds_per_item(hs256.sign, requests),
            ),
            "verify, first sight": (
                microseconds_per_item(verifier.verify, signed),
                microseconds_per_item(hs256.verify, shared),
            ),
            # A token a verifier has seen, and a token reused by its issuer: the same work
            # whatever signed it.
            "verify, remembered": (microseconds_per_item(verifier.verify, [reused] * tokens),) * 2,
            "mint, reused": (microseconds_per_item(issuer.token_for, [AUDIENCE] * tokens),) * 2,
        }
        for step, (eddsa_us, hs256_us) in measured.items():
            samples[step]["EdDSA"].append(eddsa_us)
            samples[step]["HS256"].append(hs256_us)
    return {
        step: {algorithm: statistics.median(values) for algorithm, values in by_algorithm.items()}
        for step, by_algorithm in samples.items()
    }


def summarise(steps: dict[str, dict[str, float]]) -> dict[str, Any]:
    per_identity_call = {
        algorithm: steps["sign"][algorithm] + steps["verify, first sight"][algorithm]
        for algorithm in ("EdDSA", "HS256")
    }
    per_reused_call = {
        algorithm: steps["mint, reused"][algorithm] + steps["verify, remembered"][algorithm]
        for algorithm in ("EdDSA", "HS256")
    }
    extra = per_identity_call["EdDSA"] - per_identity_call["HS256"]
    return {
        "microseconds": steps,
        "per_call_with_identity_us": per_identity_call,
        "per_call_without_identity_us": per_reused_call,
        "headline": [
            {
                "figure": "service token per call with identity (sign + verify), EdDSA vs HS256",
                "value": f"{per_identity_call['EdDSA']:.0f} vs {per_identity_call['HS256']:.0f}",
                "unit": "µs CPU",
            },
            {
                "figure": "EdDSA's extra CPU per gateway request (1 identity hop)",
                "value": round(extra / 1000, 3),
                "unit": "ms",
            },
        ],
    }


def write_table(figures: dict[str, Any]) -> None:
    steps = figures["microseconds"]
    rows = [
        f"{step:<24}{values['EdDSA']:>10.1f}{values['HS256']:>10.1f}"
        for step, values in steps.items()
    ]
    with_identity = figures["per_call_with_identity_us"]
    without = figures["per_call_without_identity_us"]
    rows += [
        f"{'call with identity':<24}{with_identity['EdDSA']:>10.1f}{with_identity['HS256']:>10.1f}",
        f"{'call without identity':<24}{without['EdDSA']:>10.1f}{without['HS256']:>10.1f}",
    ]
    print_table(
        f"{'µs CPU per operation':<24}{'EdDSA':>10}{'HS256':>10}",
        rows,
        "call with identity: a fresh token signed and verified (gateway → experience, "
        "experience → process); without: a reused token, remembered by the callee.",
    )


def main() -> int:
    parser = argument_parser(__doc__)
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    return publish(summarise(measure(args.tokens, args.rounds)), args.json, write_table)


if __name__ == "__main__":
    sys.exit(main())
