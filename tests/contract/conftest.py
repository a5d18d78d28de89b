"""Helpers for the contract tests: write a contract, audit it, find the marked line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from secpipe.contract import Audit, audit_file

#: Put this comment on the line a test expects a finding on.
MARK = "# <-"

#: A hardened OpenAPI 3.0 contract on which no rule fires.
GOOD = """\
openapi: 3.0.3
info:
  title: Hardened API
  version: "2.1.0"
servers:
  - url: https://api.example.com/v2
security:
  - oauth: [orders:read]
paths:
  /orders/{orderId}:
    parameters:
      - name: orderId
        in: path
        required: true
        schema:
          type: string
          format: uuid
    get:
      operationId: getOrder
      responses:
        "200":
          description: the order
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Order"
        "401": {$ref: "#/components/responses/Problem"}
        "403": {$ref: "#/components/responses/Problem"}
        "429": {$ref: "#/components/responses/TooMany"}
        default: {$ref: "#/components/responses/Problem"}
    put:
      operationId: putOrder
      security:
        - oauth: [orders:write]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/Order"
      responses:
        "204":
          description: stored
        "400": {$ref: "#/components/responses/Problem"}
        "401": {$ref: "#/components/responses/Problem"}
        "403": {$ref: "#/components/responses/Problem"}
        "429": {$ref: "#/components/responses/TooMany"}
        default: {$ref: "#/components/responses/Problem"}
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: https://auth.example.com/authorize
          tokenUrl: https://auth.example.com/token
          scopes:
            orders:read: read orders
            orders:write: change orders
  responses:
    Problem:
      description: a problem report
      content:
        application/problem+json:
          schema:
            $ref: "#/components/schemas/Problem"
    TooMany:
      description: slow down
      headers:
        Retry-After:
          schema:
            type: integer
            format: int32
            minimum: 0
            maximum: 86400
      content:
        application/problem+json:
          schema:
            $ref: "#/components/schemas/Problem"
  schemas:
    Order:
      type: object
      additionalProperties: false
      required: [id, items]
      properties:
        id:
          type: string
          format: uuid
        items:
          type: array
          maxItems: 100
          items:
            type: integer
            format: int32
            minimum: 1
            maximum: 1000
        coupon:
          type: string
          maxLength: 32
          pattern: "^[A-Z0-9]+$"
          example: SPRING24
    Problem:
      type: object
      additionalProperties: false
      properties:
        title:
          type: string
          maxLength: 200
          pattern: "^[ -~]*$"
"""


def marked_line(text: str) -> int:
    """The 1-based line carrying :data:`MARK`."""
    lines = [number for number, line in enumerate(text.splitlines(), 1) if MARK in line]
    assert len(lines) == 1, f"expected one {MARK} marker, found {len(lines)}"
    return lines[0]


@pytest.fixture
def good_contract() -> str:
    """The text of a hardened contract on which no rule fires."""
    return GOOD


@pytest.fixture
def line_of() -> Callable[[str], int]:
    """The function giving the line a test marked with :data:`MARK`."""
    return marked_line


@pytest.fixture
def audit_text(tmp_path: Path) -> Callable[..., Audit]:
    """Write ``text`` as a contract file under a fresh folder and audit it."""

    def run(text: str, name: str = "openapi.yaml") -> Audit:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return audit_file(path, boundary=tmp_path)

    return run
