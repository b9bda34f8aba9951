"""Benchmark of the Salesforce org emulator (written for `bench/`: prints a table, `--json PATH`).

Starts the emulator as a real process on a file database and measures, over loopback:
single-record create and query latency, a 100,000-row Bulk API 2.0 ingest job's wall time
(target <= 10 s on a 2-core machine) and one SOQL query returning 50,000 rows.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from trivium_testing.services import start_service
from trivium_testing.stack import CREDENTIALS_ENV

INGEST_ROWS = 100_000
QUERY_ROWS = 50_000
SAMPLES = 300


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * share), len(ordered) - 1)]


def sign_in(client: httpx.Client) -> None:
    response = client.post(
        "/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "trivium-demo-client",
            "client_secret": "trivium-demo-secret",
        },
    )
    response.raise_for_status()
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"


def measure_single_records(client: httpx.Client) -> dict[str, float]:
    creates, queries = [], []
    for index in range(SAMPLES):
        started = time.perf_counter()
        response = client.post(
            "/services/data/v62.0/sobjects/Account", json={"Name": f"Latency {index}"}
        )
        creates.append(time.perf_counter() - started)
        record_id = response.json()["id"]
        started = time.perf_counter()
        client.get(
            "/services/data/v62.0/query",
            params={"q": f"SELECT Id, Name FROM Account WHERE Id = '{record_id}'"},
        )
        queries.append(time.perf_counter() - started)
    return {
        "create_p50_ms": statistics.median(creates) * 1000,
        "create_p95_ms": percentile(creates, 0.95) * 1000,
        "query_p50_ms": statistics.median(queries) * 1000,
        "query_p95_ms": percentile(queries, 0.95) * 1000,
    }


def measure_ingest(client: httpx.Client) -> dict[str, float]:
    rows = "".join(
        f"Bench {index},B{index:08d},Berlin,{index % 1000}\n" for index in range(INGEST_ROWS)
    )
    data = ("Name,ERP_Customer_Number__c,BillingCity,NumberOfEmployees\n" + rows).encode()
    started = time.perf_counter()
    job = client.post(
        "/services/data/v62.0/jobs/ingest", json={"object": "Account", "operation": "insert"}
    ).json()
    url = f"/services/data/v62.0/jobs/ingest/{job['id']}"
    client.put(url + "/batches", content=data, headers={"Content-Type": "text/csv"})
    client.patch(url, json={"state": "UploadComplete"})
    while (info := client.get(url).json())["state"] not in ("JobComplete", "Failed", "Aborted"):
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    if info["state"] != "JobComplete" or info["numberRecordsFailed"]:
        raise RuntimeError(f"ingest job did not complete cleanly: {info}")
    return {"ingest_rows": INGEST_ROWS, "ingest_seconds": seconds}


def measure_query(client: httpx.Client) -> dict[str, float]:
    soql = (
        "SELECT Id, Name, NumberOfEmployees FROM Account "
        f"WHERE Name LIKE 'Bench %' LIMIT {QUERY_ROWS}"
    )
    started = time.perf_counter()
    response = client.get("/services/data/v62.0/query", params={"q": soql})
    first_batch = time.perf_counter() - started
    body = response.json()
    fetched = len(body["records"])
    while not body["done"]:
        body = client.get(body["nextRecordsUrl"]).json()
        fetched += len(body["records"])
    total = time.perf_counter() - started
    if fetched != QUERY_ROWS:
        raise RuntimeError(f"expected {QUERY_ROWS} rows, got {fetched}")
    return {
        "query_rows": QUERY_ROWS,
        "query_first_batch_seconds": first_batch,
        "query_all_pages_seconds": total,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        service = start_service(
            "salesforce_emulator.main:create_app",
            name="sf-emulator-bench",
            log_dir=Path(scratch),
            env={
                **CREDENTIALS_ENV,
                "SF_EMULATOR_DATABASE_PATH": str(Path(scratch) / "bench.sqlite3"),
                "SF_EMULATOR_SEED_DEMO_DATA": "false",
                "TRIVIUM_LOG_LEVEL": "WARNING",
            },
        )
        try:
            with httpx.Client(base_url=service.url, timeout=120) as client:
                sign_in(client)
                figures = measure_single_records(client)
                figures.update(measure_ingest(client))
                figures.update(measure_query(client))
        finally:
            service.stop()
    rows = [
        (
            "single-record create, p50 / p95",
            f"{figures['create_p50_ms']:.1f} / {figures['create_p95_ms']:.1f} ms",
        ),
        (
            "single-record SOQL query, p50 / p95",
            f"{figures['query_p50_ms']:.1f} / {figures['query_p95_ms']:.1f} ms",
        ),
        (
            f"Bulk API 2.0 ingest, {INGEST_ROWS:,} rows",
            f"{figures['ingest_seconds']:.2f} s (target <= 10 s)",
        ),
        (
            f"SOQL over {QUERY_ROWS:,} rows, first batch",
            f"{figures['query_first_batch_seconds']:.2f} s",
        ),
        (
            f"SOQL over {QUERY_ROWS:,} rows, all 25 batches",
            f"{figures['query_all_pages_seconds']:.2f} s",
        ),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        sys.stdout.write(f"{name:<{width}}  {value}\n")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
