"""Benchmark of the contract audit on a generated OpenAPI document with many operations.

Run from the repository root: ``python benchmarks/contract.py --operations 5000``. It writes the
contract to a temporary folder, audits it once with secpipe's contract audit (parse, resolve,
all rules, score) and prints the wall time, CPU time and peak memory of this process.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from secpipe.contract import audit_file, score


def generate(operations: int) -> str:
    """A contract with ``operations`` operations (half reads, half writes) on shared schemas."""
    lines = [
        "openapi: 3.0.3",
        "info: {title: Generated, version: '1.0'}",
        "servers: [{url: 'https://api.example.com'}]",
        "security: [{bearer: []}]",
        "paths:",
    ]
    for number in range(operations // 2):
        lines += [
            f"  /items{number}/{{id}}:",
            "    parameters:",
            "      - {name: id, in: path, required: true, schema: {type: string}}",
            "    get:",
            f"      operationId: get{number}",
            "      responses:",
            "        '200':",
            "          description: ok",
            "          content:",
            "            application/json: {schema: {$ref: '#/components/schemas/Item'}}",
            "    put:",
            f"      operationId: put{number}",
            "      requestBody:",
            "        content:",
            "          application/json: {schema: {$ref: '#/components/schemas/Item'}}",
            "      responses: {'204': {description: done}}",
        ]
    lines += [
        "components:",
        "  securitySchemes: {bearer: {type: http, scheme: bearer}}",
        "  schemas:",
        "    Item:",
        "      type: object",
        "      properties:",
        "        name: {type: string}",
        "        count: {type: integer}",
        "        password: {type: string}",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Generate, audit once, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--operations", type=int, default=5000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        contract = Path(folder) / "openapi.yaml"
        contract.write_text(generate(args.operations))
        size_mb = contract.stat().st_size / 1e6

        wall, cpu = time.perf_counter(), time.process_time()
        result = audit_file(contract, boundary=Path(folder))
        graded = score("openapi.yaml", result.outcomes, suppressed=result.suppressed)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu

    hits = sum(len(outcome.hits) for outcome in result.outcomes)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"operations={args.operations} size={size_mb:.1f}MB wall={wall:.2f}s cpu={cpu:.2f}s "
        f"peak={peak_mb:.0f}MB findings={hits} score={graded.score}"
    )


if __name__ == "__main__":
    main()
