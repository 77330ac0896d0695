"""The metadata a generated template carries (enterprise, deliverable, template version) vs the claim."""

from __future__ import annotations

from campaign.validation.problems import Problem, problem


def check_meta(meta: dict[str, str] | None, expected_version: str, claimed: tuple[str, str] | None) -> list[Problem]:
    """No metadata is not a problem here (identification falls back to the file name)."""
    if meta is None:
        return []
    problems: list[Problem] = []
    version = meta.get("template_version") or "未知版本"
    if version != expected_version:
        problems.append(problem("E_TEMPLATE_VERSION", found=version, expected=expected_version))
    found = (meta.get("enterprise_code", ""), meta.get("deliverable_id", ""))
    if claimed is not None and found != claimed:
        problems.append(
            problem("E_META_MISMATCH", found=f"{found[0]} / {found[1]}", claimed=f"{claimed[0]} / {claimed[1]}")
        )
    return problems
