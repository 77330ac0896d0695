"""Commands that run no flow start fast: they import neither prefect nor what they do not use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.filling import fill

PROBE = """
import json, sys
sys.argv = ["campaign", *json.loads(sys.argv[1])]
from campaign.cli.app import main
try:
    main()
except SystemExit:
    pass
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"prefect", "sqlalchemy", "apprise", "matplotlib", "docx"})
sys.stderr.write("\\nLOADED " + json.dumps(heavy) + "\\n")
"""


def loaded_by(args: list[str], env_home: Path) -> list[str]:
    import os

    env = {**os.environ, "CAMPAIGN_HOME": str(env_home)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True, env=env, timeout=120
    )
    line = next(li for li in done.stderr.splitlines() if li.startswith("LOADED "))
    return json.loads(line.removeprefix("LOADED "))


@pytest.mark.parametrize(
    "args", [["--help"], ["enterprises", "--json"], ["deliverables", "--json"], ["status", "--help"]]
)
def test_commands_that_only_read_the_configuration_import_nothing_heavy(args, tmp_path):
    assert loaded_by(args, tmp_path / "home") == []


def test_template_writes_a_workbook_without_prefect_or_the_database(tmp_path):
    out = tmp_path / "out"
    assert (
        loaded_by(
            ["template", "--enterprise", "DDK001", "--deliverable", "task-list-2023", "--out", str(out)],
            tmp_path / "home",
        )
        == []
    )
    assert (out / "DDK001_task-list-2023.xlsx").is_file()


def test_status_submit_and_a_dry_run_use_the_database_but_never_prefect(initialized_home, tmp_path):
    from campaign.config.model import load_config
    from campaign.workbook.generate import write_task_list

    config = load_config()
    template = write_task_list(config, config.enterprise("DDK001"), config.deliverable("task-list-2023"), tmp_path)
    filled = fill(template, tmp_path / "filled.xlsx")
    for args in (
        ["status", "--as-of", "2023-05-20"],
        ["submit", str(filled), "--enterprise", "DDK001", "--deliverable", "task-list-2023", "--as-of", "2023-05-20"],
        ["remind", "--dry-run", "--as-of", "2023-05-19"],
    ):
        assert "prefect" not in loaded_by(args, initialized_home), args
