"""The generic HTTP gateway's configuration language, parsed without any app context.

Success rules (``SMS_GATEWAY_SUCCESS_RULE``):
``status:2xx`` (any 2xx), ``status:200`` (exactly that code), ``json:status=success`` (a field,
dotted for nesting, e.g. ``json:result.code=0``, compared as text), ``body-contains:OK``.
Extra parameters (``SMS_GATEWAY_EXTRA_PARAMS``): ``k=v&k=v``, URL-encoded where needed.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl


class RuleError(ValueError):
    """A success rule or parameter list that cannot be understood."""


@dataclass(frozen=True)
class SuccessRule:
    kind: str  # "status", "json" or "body-contains"
    target: str  # "2xx" / "200", the JSON path, or the text to find
    expected: str = ""

    def matches(self, status: int, body: str) -> bool:
        """Whether a gateway answer with ``status`` and ``body`` means "accepted"."""
        if self.kind == "status":
            return _status_matches(self.target, status)
        if not 200 <= status < 300:
            return False
        if self.kind == "body-contains":
            return self.target in body
        value = json_field(body, self.target)
        return value is not None and _as_text(value) == self.expected


def parse_success_rule(rule: str) -> SuccessRule:
    kind, sep, rest = rule.strip().partition(":")
    kind = kind.strip().lower()
    if not sep or not rest.strip():
        raise RuleError(f"expected status:2xx, json:field=value or body-contains:TEXT; got {rule!r}")
    if kind == "status":
        target = rest.strip().lower()
        if not re.fullmatch(r"[1-5](xx|\d\d)", target):
            raise RuleError(f"status must be like 2xx or 200; got {target!r}")
        return SuccessRule("status", target)
    if kind == "json":
        path, eq, expected = rest.partition("=")
        if not eq or not re.fullmatch(r"[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*", path.strip()):
            raise RuleError(f"json rule must be like json:status=success; got {rule!r}")
        return SuccessRule("json", path.strip(), expected.strip())
    if kind == "body-contains":
        return SuccessRule("body-contains", rest)
    raise RuleError(f"unknown rule kind {kind!r}: use status, json or body-contains")


def parse_extra_params(raw: str) -> list[tuple[str, str]]:
    if not raw.strip():
        return []
    try:
        pairs = parse_qsl(raw.strip(), keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise RuleError(f"expected k=v&k=v; got {raw!r}") from None
    if any(not key for key, _ in pairs):
        raise RuleError(f"a parameter has no name in {raw!r}")
    return pairs


def json_field(body: str, path: str) -> Any:
    """The value at dotted ``path`` in a JSON ``body``, or None (no JSON, no such field)."""
    try:
        value: Any = json.loads(body)
    except ValueError:
        return None
    for key in path.split("."):
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return None
    return value


def _status_matches(target: str, status: int) -> bool:
    if target.endswith("xx"):
        return str(status)[0] == target[0]
    return str(status) == target


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
