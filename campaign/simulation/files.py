"""The files a synthetic enterprise sends: the real templates (Attachment 1/2, progress, report) filled in.

Files are byte-for-byte reproducible (fixed document dates, fixed zip timestamps): the same seed
gives the same content hashes, so a replay finds its files already recorded.
"""

from __future__ import annotations

import io
import random
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook

from campaign.config.model import (
    CampaignConfig,
    Deliverable,
    DeliverableKind,
    Enterprise,
)
from campaign.documents import schema as ds
from campaign.documents.generate import build_deployment_report, build_targets, official_document
from campaign.simulation.data import PROGRESS_TOLERANCE, Row, fmt, target_text
from campaign.workbook import progress as pw
from campaign.workbook import schema as s
from campaign.workbook.generate import build_task_list
from campaign.workbook.self_review import write_answers

FIXED = datetime(2023, 1, 1, tzinfo=UTC).replace(tzinfo=None)
ZIP_TIME = (2023, 1, 1, 0, 0, 0)
COL = {c.key: i for i, c in enumerate(s.COLUMNS, start=1)}
COUNTED = {"件", "个", "人"}


def _frozen_zip(data: bytes) -> bytes:
    """The same archive with every entry's timestamp fixed (zip entries carry the save time)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _save_docx(doc, path: Path) -> Path:
    props = doc.core_properties
    props.created = props.modified = props.last_printed = FIXED
    props.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    path.write_bytes(_frozen_zip(buf.getvalue()))
    return path


def _save_xlsx(wb, path: Path) -> Path:
    wb.properties.created = wb.properties.modified = FIXED
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_frozen_zip(buf.getvalue()))
    return path


def build_file(
    config: CampaignConfig,
    enterprise: Enterprise,
    d: Deliverable,
    rows: list[Row],
    faulty: bool,
    home: Path,
    out_dir: Path,
) -> Path | None:
    """The file for one filing, or None when the enterprise has nothing to fill (no progress template)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"text:{enterprise.code}:{d.id}:{faulty}")
    kind = d.kind
    if kind in (DeliverableKind.TASK_LIST, DeliverableKind.COMPLETION, DeliverableKind.COMPLETION_FINAL):
        year = d.year if kind is not DeliverableKind.COMPLETION_FINAL else max(max(r.targets) for r in rows)
        wb = _task_list(
            config, enterprise, d, rows, year, with_actuals=kind is not DeliverableKind.TASK_LIST, faulty=faulty
        )
        return _save_xlsx(wb, out_dir / f"{enterprise.code}_{d.id}.xlsx")
    if kind is DeliverableKind.PROGRESS:
        template = home / "outgoing" / d.id / f"{enterprise.code}_{d.id}.xlsx"
        if not template.is_file():
            return None
        return _save_xlsx(_progress(template, d, rows, rng, faulty), out_dir / f"{enterprise.code}_{d.id}.xlsx")
    if kind is DeliverableKind.TARGETS:
        return _save_docx(_targets(enterprise, d, rows, rng, faulty), out_dir / f"{enterprise.code}_{d.id}.docx")
    if kind is DeliverableKind.DEPLOYMENT_REPORT:
        return _save_docx(_deployment_report(enterprise, d, rng, faulty), out_dir / f"{enterprise.code}_{d.id}.docx")
    # The careless version is saved as "Word 97-2003 (.doc)", which the intake refuses (E_FILE_TYPE).
    suffix = ".doc" if faulty else ".docx"
    return _save_docx(_free_report(enterprise, d, rows, rng, faulty), out_dir / f"{enterprise.code}_{d.id}{suffix}")


def _task_list(config, enterprise, d, rows: list[Row], year: int, with_actuals: bool, faulty: bool):
    wb = build_task_list(config, enterprise, d)
    ws = wb[s.SHEET_TITLE]
    r = s.FIRST_DATA_ROW
    for row in rows:
        if row.dimension is not None:
            ws.cell(r, COL["seq"], r - s.FIRST_DATA_ROW + 1)
            ws.cell(r, COL["level1"], row.dimension)
            ws.cell(r, COL["level2"], row.task)
        values = {
            "benchmark_status": fmt(row.benchmark, row.unit),
            "current_status": fmt(row.baseline, row.unit),
            "gap": fmt(abs(row.benchmark - row.baseline), row.unit if row.unit != "%" else "个百分点"),
            "overall_target": "到2025年缩小与标杆企业的差距，达到全区领先水平",
            "annual_target": target_text(row, year),
            "measures": row.measures,
        }
        if with_actuals:
            values["actual_value"] = fmt(row.actuals[year], row.unit)
        for key, value in values.items():
            ws.cell(r, COL[key], value)
        r += 1
    if with_actuals:
        write_answers(wb, _completion_review(rows, year))
    if faulty and with_actuals:
        ws.cell(s.FIRST_DATA_ROW, COL["actual_value"]).value = None  # forgot 利润总额's actual: E_ACTUAL_MISSING
    elif faulty:
        ws.cell(r, COL["seq"], r - s.FIRST_DATA_ROW + 1)  # a dimension of its own making: E_DIMENSION
        for key, value in (
            ("level1", "财务管控"),
            ("level2", "两金压降"),
            ("annual_target", "5%"),
            ("measures", "清收应收账款"),
        ):
            ws.cell(r, COL[key], value)
    return wb


def _completion_review(rows: list[Row], year: int) -> dict[str, str]:
    """自评 that agrees with the numbers: which targets were met, which were not, what changes."""
    met = [
        r.task
        for r in rows
        if (r.actuals[year] <= r.targets[year] if r.lower_is_better else r.actuals[year] >= r.targets[year])
    ]
    missed = [r.task for r in rows if r.task not in met]
    return {
        "went_well": f"{len(rows)}项量化目标中{len(met)}项达到年度目标值"
        + (f"（{'、'.join(met[:4])}{'等' if len(met) > 4 else ''}）" if met else "")
        + "，对标工作机制运转正常。",
        "lagging": (
            f"{'、'.join(missed)}未达到年度目标值，与标杆企业仍有差距。" if missed else "各项量化目标均已达到。"
        )
        + "部分措施落实进度不均衡。",
        "adjustments": "针对未达标指标逐项分析原因，调整责任分工和时间节点，按季度跟踪、动态调整工作措施。",
    }


def _progress(template: Path, d: Deliverable, rows: list[Row], rng: random.Random, faulty: bool):
    """The pre-filled progress workbook with this enterprise's own figures: H1 about half of the year's flows
    (利润, 收入, 件数) and the ratios near where the year ends; H2 the full-year actual, preliminary, within
    PROGRESS_TOLERANCE of what the completion report will give."""
    from campaign.validation.targets import parse_target

    wb = load_workbook(template)
    ws = wb[pw.SHEET_TITLE]
    share = 0.5 if d.period and d.period.endswith("H1") else 1.0
    assert d.period is not None, "the config requires a period on every progress deliverable"
    year = int(d.period[:4])
    by_title = {row.task: row for row in rows}
    r = pw.FIRST_ROW
    slow: list[str] = []
    while ws.cell(r, 1).value != pw.NARRATIVE_LABEL and r < ws.max_row:
        target = parse_target(str(ws.cell(r, 4).value or ""))
        if target is not None and target.value is not None:
            flow_like = target.unit in ("万元", *COUNTED)
            own = by_title.get(str(ws.cell(r, 3).value or ""))
            if own is not None and year in own.actuals:
                if share < 1:
                    value = own.actuals[year] * (rng.uniform(0.42, 0.52) if flow_like else rng.gauss(1.0, 0.03))
                elif target.unit in COUNTED:
                    value = own.actuals[year]  # a count is known exactly by year end
                else:
                    value = own.actuals[year] * rng.uniform(1 - PROGRESS_TOLERANCE, 1 + PROGRESS_TOLERANCE)
            else:
                value = target.value * (share if flow_like else 1.0) * rng.gauss(1.0, 0.08)
            ws.cell(r, 5, fmt(value, target.unit or ""))
        status = rng.choice(["按计划推进", "进度略快于计划", "受市场影响进度偏慢，正在追赶", "已完成阶段性任务"])
        ws.cell(r, 6, status)
        if "偏慢" in status:
            slow.append(str(ws.cell(r, 3).value))
        r += 1
    write_answers(
        wb,
        {
            "went_well": "按备案清单逐项推进，多数任务按计划或快于计划推进，形成按月调度、按季通报的工作机制。",
            "lagging": (f"{'、'.join(slow)}进度偏慢。" if slow else "各项任务均按计划推进，暂无明显滞后事项。")
            + "个别措施的责任落实还不够到位。",
            "adjustments": "对进度偏慢的任务加密调度频次，调整责任部门和完成时限，动态调整工作措施，确保年度目标实现。"
            if slow
            else "保持现有调度机制，结合市场变化适时动态调整工作措施，确保年度目标实现。",
        },
    )
    if faulty:
        ws.cell(pw.FIRST_ROW, 5, "正在推进")  # not a number: E_PROGRESS_NOT_QUANTIFIED
    ws.cell(
        r + 1,
        1,
        f"{d.period[:4]}年{'上' if share < 1 else '下'}半年，公司围绕年度目标任务扎实推进价值创造行动，"
        "主要指标总体符合预期，个别指标受市场影响存在差距，下半年将加大工作力度。",
    )
    return wb


# Benchmarks an enterprise of each 功能分类 might choose (seed 一、对标对象: 单户 or 多户), and the business lines
# of the subsidiaries it names as 创标企业 (二、对标目标: "重点培育为标杆的子企业").
BENCHMARKS = {
    "商业一类": ["招商局集团有限公司", "华润（集团）有限公司", "中国建材集团有限公司"],
    "商业二类": ["中国交通建设集团有限公司", "上海城投（集团）有限公司", "深圳市特区建设发展集团有限公司"],
    "公益类": ["深圳市水务（集团）有限公司", "北京首创生态环保集团股份有限公司", "上海久事（集团）有限公司"],
}
LINES = {
    "商业一类": [("现代物流", "中国外运股份有限公司"), ("商贸流通", "物产中大集团股份有限公司")],
    "商业二类": [("物业服务", "万物云空间科技服务股份有限公司"), ("园区运营", "苏州工业园区股份有限公司")],
    "公益类": [("供水服务", "深圳市水务（集团）有限公司"), ("公交运营", "深圳巴士集团股份有限公司")],
}
# Business lines that fit the sample enterprises' own business, found by a word in their name.
LINES_BY_NAME = {
    "城市建设": [("物业服务", "万物云空间科技服务股份有限公司"), ("园区运营", "苏州工业园区股份有限公司")],
    "文化旅游": [("景区运营", "华侨城集团有限公司"), ("文化演艺", "宋城演艺发展股份有限公司")],
    "产业投资": [("股权投资", "深圳市创新投资集团有限公司"), ("产业园区", "上海张江高科技园区开发股份有限公司")],
    "水务": [("供水服务", "深圳市水务（集团）有限公司"), ("污水处理", "北控水务集团有限公司")],
    "公共交通": [("公交运营", "深圳巴士集团股份有限公司"), ("场站服务", "上海久事（集团）有限公司")],
    "园区": [("园区运营", "苏州工业园区股份有限公司"), ("招商服务", "上海张江高科技园区开发股份有限公司")],
    "数字科技": [("数据服务", "中电数据服务有限公司"), ("软件开发", "太极计算机股份有限公司")],
    "物业": [("物业服务", "万物云空间科技服务股份有限公司"), ("城市服务", "碧桂园生活服务集团股份有限公司")],
    "资产经营": [("资产运营", "上海地产（集团）有限公司"), ("物业租赁", "华润置地有限公司")],
}
_SUFFIXES = ("集团有限公司", "有限公司", "管理服务", "经营管理", "发展", "运营", "开发")


def chuangbiao_units(enterprise: Enterprise) -> list[tuple[str, str, str]]:
    """The subsidiaries a synthetic enterprise names as 创标企业: (name, business line, benchmark)."""
    rng = random.Random(f"chuangbiao:{enterprise.code}")
    marker = next((m for m in ("（示例）", "（模拟数据）") if m in enterprise.name), "")
    base = enterprise.name.replace(marker, "")
    for suffix in _SUFFIXES:
        base = base.removesuffix(suffix)
    lines = next((v for k, v in LINES_BY_NAME.items() if k in enterprise.name), LINES[enterprise.category.value])
    return [(f"{_join(base, line)}有限公司{marker}", line, bench) for line, bench in lines[: rng.choice([1, 2])]]


def _join(base: str, line: str) -> str:
    """示例物业 + 物业服务 -> 示例物业服务, not 示例物业物业服务."""
    overlap = max((k for k in range(1, len(line)) if base.endswith(line[:k])), default=0)
    return base + line[overlap:]


def _overview(doc, enterprise: Enterprise, rng) -> None:
    """一、对标对象 and 二、对标目标 in the enterprise's own words, replacing the template's guidance."""
    names = BENCHMARKS[enterprise.category.value]
    chosen = names[: rng.choice([1, 2, 3])]
    own = {
        "一、对标对象": [
            f"对标方式：{'单户' if len(chosen) == 1 else '多户'}。对标企业：{'、'.join(chosen)}。",
            "对标企业与本企业主业相近、核心指标处于行业前列，便于逐项找差距、定措施。",
        ],
        "二、对标目标": [
            f"到2025年，公司发展成为全区{rng.choice(['领先', '一流'])}的{enterprise.category.value}国有企业。"
            "现状和存在差距见目标任务清单（附件2）“企业现状”“存在差距”两列，努力方向是补齐效益效率短板。",
            *(f"创标企业：{n}（业务板块：{line}；对标企业：{b}）。" for n, line, b in chuangbiao_units(enterprise)),
            "其余为达标（对标提升）企业。",
        ],
    }
    guidance = {g for gs in ds.GUIDANCE.values() for g in gs}
    for heading, texts in own.items():
        at = next(i for i, p in enumerate(doc.paragraphs) if p.text == heading)
        anchor = doc.paragraphs[at + 1]
        for text in texts:
            anchor.insert_paragraph_before(text)
    for p in list(doc.paragraphs):
        if p.text in guidance:
            p._element.getparent().remove(p._element)


def _targets(enterprise, d, rows: list[Row], rng, faulty: bool):
    doc = build_targets(enterprise, d)
    _overview(doc, enterprise, rng)
    subsections = iter(rows)
    paragraphs = doc.paragraphs  # a new list on each access: read once, not once per paragraph
    texts = [p.text for p in paragraphs]
    blanks = [p for i, p in enumerate(paragraphs) if not texts[i] and i > 0 and texts[i - 1] in ds.TASK_SUBSECTIONS]
    for p in blanks:
        row = next(subsections, None)
        extra = f"{row.task}达到{target_text(row, d.year)}，" if row else ""
        lead = rng.choice(["对照标杆找差距，", "聚焦薄弱环节，", "坚持问题导向，"])
        p.text = f"{extra}{lead}明确责任部门和时间节点，按季度跟踪推进。"
    if faulty:
        doc.add_paragraph("（补充说明）" + "公司将持续深化对标提升工作，" * 120)  # far over 1500 字: E_TOO_LONG
    return doc


def _deployment_report(enterprise, d, rng, faulty: bool):
    doc = build_deployment_report(enterprise, d)
    guidance = next(p for p in doc.paragraphs if p.text == ds.REPORT_GUIDANCE)
    guidance.text = (
        f"{enterprise.name}于5月{rng.randint(15, 19)}日召开价值创造行动启动会，成立由党委书记、董事长任组长的领导小组，"
        "办公室设在企业管理部，明确各部门责任分工；制定实施方案和目标任务清单，开展专题宣贯培训两次。"
        "下一步将按季度跟踪任务进展，及时报送进展情况。"
    )
    if faulty:
        doc.add_paragraph("此外，" + "公司各部门高度重视，认真学习行动方案精神，" * 30)  # over 500 字
    return doc


def _free_report(enterprise, d, rows: list[Row], rng, faulty: bool):
    doc = official_document()
    doc.core_properties.identifier = f"{enterprise.code}/{d.id}"
    doc.core_properties.title = d.title
    doc.core_properties.author = enterprise.name
    doc.add_paragraph(f"{enterprise.name}{d.title}" + ("（初稿）" if faulty else ""))
    if d.kind is DeliverableKind.PLAN:
        parts = [
            "一、总体要求",
            "以对标世界一流企业为抓手，聚焦价值创造，提升企业核心竞争力。",
            "二、工作目标",
            "到2025年，主要经营指标达到全区领先水平。",
            "三、重点任务",
            "四、保障措施",
            "成立领导小组，建立月调度、季通报机制。",
        ]
    else:
        core = "；".join(
            f"{r.task}由{fmt(r.baseline, r.unit)}变为{fmt(r.actuals[max(r.actuals)], r.unit)}" for r in rows[:3]
        )
        parts = [
            "一、主要做法和经验",
            "对标世界一流企业，聚焦价值创造薄弱环节，压降成本、提质增效。",
            "二、取得的成效",
            core + "。",
            "三、存在的问题",
            rng.choice(["科技创新投入仍显不足。", "数字化转型基础较弱。", "人才结构有待优化。"]),
            "四、长效工作机制",
            "将对标提升纳入年度经营计划和考核体系，常态化开展。",
        ]
    for text in parts:
        doc.add_paragraph(text)
    return doc
