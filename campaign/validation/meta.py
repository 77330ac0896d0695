"""The metadata a generated template carries (enterprise, deliverable, template version) vs the claim.

The hidden `_meta` sheet is signed: its pairs carry an HMAC-SHA256 under the server-side key
(campaign.config.settings.server_secret), written by campaign/reports/excel.py write_meta_sheet. Hiding
and protecting the sheet only keeps honest people from editing it by mistake; the signature is what
stops a DDK002 workbook whose `_meta` was edited to DDK001 from being taken for DDK001's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

from campaign.validation.problems import Problem, problem

SIGNATURE_KEY = "signature"


def meta_signature(pairs: Mapping[str, str], secret: str) -> str:
    """HMAC-SHA256 over the pairs as written (sorted, JSON), the signature row itself left out."""
    signed = {k: v for k, v in pairs.items() if k != SIGNATURE_KEY}
    canonical = json.dumps(signed, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(secret.encode("utf-8"), canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def check_meta_signature(meta: Mapping[str, str], secret: str) -> list[Problem]:
    signature = meta.get(SIGNATURE_KEY, "")
    if not signature:
        return [problem("E_META_SIGNATURE", reason="缺少签名")]
    if not hmac.compare_digest(signature.encode("utf-8", "replace"), meta_signature(meta, secret).encode("utf-8")):
        return [problem("E_META_SIGNATURE", reason="签名与内容不符，模板信息被改动过")]
    return []


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
