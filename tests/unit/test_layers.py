"""The house's boundaries, as tests that fail when someone crosses them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("prefect", "sqlalchemy", "notifications", "apprise")

# Every feature folder's rules.py, plus the other modules that promise to be pure.
PURE = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts) for p in (ROOT / "campaign").glob("*/rules.py")) + [
    "campaign.errors",
    "campaign.config.model",
    "campaign.calendar.clock",
    "campaign.calendar.workdays",
    "campaign.calendar.plan",
    "campaign.assessment.scoring",
    "campaign.assessment.messages",
    "campaign.notices.message",
    "campaign.notices.render",
    "campaign.reminders.messages",
    "campaign.reminders.outputs",
    "campaign.reports.markdown",
    "campaign.validation.problems",
    "campaign.validation.targets",
    "campaign.validation.task_list",
    "campaign.workbook.schema",
]


def _imported_by(module: str) -> list[str]:
    code = (
        f"import json, sys; import {module}; "
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_the_features_with_decisions_keep_them_in_rules_py():
    folders = {m.split(".")[1] for m in PURE if m.endswith(".rules")}
    assert {"assessment", "half_year", "final_review", "reminders", "notices"} <= folders


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_import_neither_prefect_nor_sqlalchemy_nor_notifications(module):
    assert _imported_by(module) == [], f"{module} must stay pure (a fresh interpreter importing it loaded those)"


def test_the_domain_never_imports_the_notification_adapter():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "campaign").rglob("*.py")
        if not {"cli", "web"} & set(p.parts)
        and any(
            line.strip().startswith(("from notifications", "import notifications"))
            for line in p.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert offenders == [], (
        "campaign/ builds message content; only tasks, flows and the doors (the CLI, the portal) call notifications/"
    )
