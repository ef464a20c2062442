"""The rulebook holds: role names are compared only in the policy, and layers point one way."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROLE_NAMES = ("admin", "lead", "coordinator", "cadre")
# Where a role's name may be written: the policy decides with it, the model defines it, the
# labels translate it for display, the migrations create the column.
ALLOWED = ("coordinator/policy/", "coordinator/models/people.py", "coordinator/web/labels.py")
_NAME = "[\"'](?:" + "|".join(ROLE_NAMES) + ")[\"']"
ROLE_LITERAL = re.compile(  # compared, listed with another role, or passed as a role
    rf"(==|!=)\s*{_NAME}|{_NAME}\s*(==|!=)|{_NAME}\s*,\s*{_NAME}|\brole\s*=\s*{_NAME}")
ROLE_COMPARISON = re.compile(r"\.role\b\s*(==|!=|\bin\b|\bnot\s+in\b)|\.role\.in_\(")


def _sources() -> list[Path]:
    files = [*ROOT.joinpath("coordinator").rglob("*.py"), *ROOT.joinpath("workers").rglob("*.py"),
             *ROOT.joinpath("coordinator", "web", "templates").rglob("*.html")]
    return [f for f in files if not str(f.relative_to(ROOT)).startswith(ALLOWED)]


def test_no_role_name_is_compared_outside_the_policy() -> None:
    offences = []
    for path in _sources():
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if ROLE_COMPARISON.search(line) or ROLE_LITERAL.search(line):
                offences.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offences, "ask coordinator.policy instead:\n" + "\n".join(offences)


def test_the_role_check_catches_what_it_should() -> None:
    for line in ('if person.role == "cadre":', "x = user.role in STAFF",
                 "where(Person.role.in_(roles))", "{% if current_user.role == 'admin' %}",
                 'roles = ("lead", "coordinator")'):
        assert ROLE_COMPARISON.search(line) or ROLE_LITERAL.search(line), line
    for line in ("label('role', p.role)", "order_by(Person.role, Person.name)", "role = form.role",
                 'Blueprint("cadre", __name__)', 'cast.email("admin")'):
        assert not (ROLE_COMPARISON.search(line) or ROLE_LITERAL.search(line)), line


def test_the_import_layers_hold() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter), "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
