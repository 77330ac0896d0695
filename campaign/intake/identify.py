"""Who sent what: workbook/document metadata first, else the explicit claim or the file-name convention."""

from __future__ import annotations

from dataclasses import dataclass

from campaign.config.model import CampaignConfig
from campaign.validation.filename import parse_convention
from campaign.validation.problems import Problem, problem


@dataclass(frozen=True)
class Identity:
    enterprise: str | None
    deliverable: str | None
    source: str  # claim | metadata | filename | none


def identify(
    config: CampaignConfig, meta: dict[str, str] | None, name: str, claim: tuple[str, str] | None
) -> tuple[Identity, list[Problem]]:
    """An explicit claim (staff using `campaign submit`) wins; then metadata; then the file name.

    Disagreement between metadata and the claim (explicit, or the file name) is E_META_MISMATCH:
    someone re-used another enterprise's or another deliverable's template.
    """
    from_meta = (meta.get("enterprise_code", ""), meta.get("deliverable_id", "")) if meta else None
    convention = parse_convention(name)
    from_name = (convention[0], convention[1]) if convention else None
    if claim is not None:
        identity = Identity(*claim, "claim")
    elif from_meta is not None:
        identity = Identity(*from_meta, "metadata")
    elif from_name is not None:
        identity = Identity(*from_name, "filename")
    else:
        return Identity(None, None, "none"), [
            problem("E_UNIDENTIFIED", reason="文件中没有模板信息，文件名也不符合“企业代码_材料编号.扩展名”")
        ]
    problems: list[Problem] = []
    other = claim if claim is not None else from_name
    if from_meta is not None and other is not None and from_meta != other:
        problems.append(problem("E_META_MISMATCH", found=" / ".join(from_meta), claimed=" / ".join(other)))
    known_enterprise = any(e.code == identity.enterprise for e in config.enterprises)
    known_deliverable = any(d.id == identity.deliverable for d in config.deliverables)
    if not known_enterprise or not known_deliverable:
        unknown = [] if known_enterprise else [f"企业代码“{identity.enterprise}”不在区属国有企业名录中"]
        unknown += [] if known_deliverable else [f"材料编号“{identity.deliverable}”不是本次行动的报送材料"]
        problems.append(problem("E_UNIDENTIFIED", reason="；".join(unknown)))
        identity = Identity(
            identity.enterprise if known_enterprise else None,
            identity.deliverable if known_deliverable else None,
            identity.source,
        )
    return identity, problems
