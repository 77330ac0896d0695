"""`campaign status` in a terminal is a matrix a person can take in at a glance (issue 11, item 14): enterprise
rows × deliverable short codes, a mark per state, a legend, per-deliverable totals; every deliverable named
in full below it. The row-per-item list stays as --long, and --json is unchanged."""

from __future__ import annotations

from typer.testing import CliRunner

from campaign.cli.app import app
from campaign.config.model import load_config
from campaign.submissions.status import short_codes
from tests.db.test_status import _submit

CONFIG = load_config()


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, ["status", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_every_deliverable_gets_a_short_unique_code():
    codes = short_codes(CONFIG.deliverables)
    assert len(set(codes.values())) == len(CONFIG.deliverables) == 14
    assert codes["task-list-2023"] == "清单23" and codes["task-list-2024"] == "清单24"
    assert (codes["progress-2023h1"], codes["progress-2023h2"]) == ("进展23上", "进展23下")
    assert codes["completion-final-2025"] == "汇总25"


def test_the_default_view_is_a_matrix_with_marks_legend_and_totals(initialized_home):
    _submit("DDK001", "task-list-2023", 1, "2023-05-20", "accepted", True)
    _submit("DDK002", "task-list-2023", 1, "2023-05-21", "rejected", True, [{"code": "E_EMPTY_LIST"}])
    _submit("DDK003", "task-list-2023", 1, "2023-05-24", "accepted", False)
    out = _run("--as-of", "2023-05-25")
    lines = out.splitlines()
    header = next(line for line in lines if "企业" in line and "清单23" in line)
    assert all(code in header for code in ("方案23", "目标23", "清单23", "部署23"))
    rows = [line for line in lines if line.strip(" │|").startswith("DDK")]
    row = {line.strip(" │|")[:6]: line for line in rows}
    assert "收" in row["DDK001"] and "迟" in row["DDK003"] and "退!" in row["DDK002"] and "欠" in row["DDK004"]
    assert len(rows) == 9  # one row per enterprise
    assert "2/9" in out  # 清单23: two received (one on time, one late)
    assert "图例：" in out and "欠 未报送，已过截止日" in out and "迟 逾期接收" in out
    assert "清单23　2023年度目标任务清单（附件2）（task-list-2023，截止 2023-05-22）" in out
    assert "campaign status --long" in out


def test_the_list_stays_available_as_long(initialized_home):
    out = _run("--as-of", "2023-05-25", "--long")
    assert "2023年度目标任务清单（附件2）" in out and "未报送（逾期）" in out
