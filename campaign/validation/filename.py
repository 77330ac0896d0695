"""File names from the inbox or the CLI: reject odd ones, read the 企业代码_材料编号.扩展名 convention."""

from __future__ import annotations

import re
import unicodedata

from campaign.validation.problems import Problem, problem

MAX_NAME_CHARS = 200
ALLOWED_EXTENSIONS = ("xlsx", "docx", "pdf")
_CONVENTION = re.compile(
    r"^(?P<enterprise>[A-Z0-9]{3,16})_(?P<deliverable>[a-z0-9]+(?:-[a-z0-9]+)*)\.(?P<ext>[A-Za-z0-9]{2,5})$"
)
EXAMPLE = "DDK001_task-list-2023.xlsx"


def display_name(name: str) -> str:
    """A printable form of any name, including undecodable bytes (kept as \\xNN)."""
    raw = name.encode("utf-8", "surrogateescape")
    return raw.decode("utf-8", "backslashreplace")


def check_filename(name: str) -> list[Problem]:
    reasons: list[str] = []
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        reasons.append("文件名不是有效的 UTF-8 编码（可能来自旧版压缩软件或邮件客户端）")
    if "/" in name or "\\" in name or name.startswith("..") or "/../" in f"/{name}/":
        reasons.append("文件名中含有路径（/、\\ 或 ..）")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name if not 0xDC80 <= ord(ch) <= 0xDCFF):
        reasons.append("文件名中含有控制字符或不可见字符")
    if name.startswith((".", "~$")):
        reasons.append("隐藏文件或 Office 临时文件（以 . 或 ~$ 开头）")
    if len(name) > MAX_NAME_CHARS:
        reasons.append(f"文件名过长（{len(name)} 个字符，上限 {MAX_NAME_CHARS}）")
    if name.strip() != name or not name.strip():
        reasons.append("文件名首尾有空格或为空")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_EXTENSIONS and ext not in ("xlsm", "docm", "xls", "doc"):
        # Macro/legacy formats get their own, clearer problem later (E_MACRO / E_FILE_TYPE).
        reasons.append(
            f"扩展名“.{ext}”不在允许范围（{'、'.join('.' + e for e in ALLOWED_EXTENSIONS)}）" if ext else "没有扩展名"
        )
    if not reasons:
        return []
    return [problem("E_FILENAME", name=display_name(name)[:80], reason="；".join(reasons), example=EXAMPLE)]


def parse_convention(name: str) -> tuple[str, str, str] | None:
    """(enterprise code, deliverable id, extension) when the name follows 企业代码_材料编号.扩展名."""
    match = _CONVENTION.match(name)
    if not match:
        return None
    return match.group("enterprise"), match.group("deliverable"), match.group("ext").lower()


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""
