"""Problems found in a submitted file: a stable code, a Chinese message and a how-to-fix hint.

Codes are an interface (the CLI's --json, the rejection notice, later reports); never rename one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

# code -> (message, hint); both are str.format templates over the problem's parameters.
CATALOG: dict[str, tuple[str, str]] = {
    "E_FILENAME": (
        "文件名“{name}”不符合要求：{reason}。",
        "请按“企业代码_材料编号.扩展名”命名（如 {example}），只用汉字、字母、数字、下划线、连字符和一个扩展名。",
    ),
    "E_UNIDENTIFIED": (
        "无法确定该文件属于哪户企业、哪项材料：{reason}。",
        "请使用区国资委下发的模板填报，或按“企业代码_材料编号.扩展名”命名文件（如 DDK001_task-list-2023.xlsx）"
        "后重新报送。",
    ),
    "E_TOO_LARGE": (
        "文件大小 {size_mb} MB，超过上限 {limit_mb} MB。",
        "请删除文件中的图片、附件等无关内容，或压缩后重新报送；如确需报送大文件，请联系区国资委。",
    ),
    "E_FILE_TYPE": (
        "文件类型不符：{reason}。",
        "{advice}",  # depends on what the file really is and what the deliverable accepts: see file_type_problem
    ),
    "E_CORRUPT": (
        "文件已损坏，无法读取：{reason}。",
        "请用 Office/WPS 打开确认文件完好，重新保存后再报送（传输中断时请重新发送完整文件）。",
    ),
    "E_ZIP_BOMB": (
        "文件解压后异常膨胀（{reason}），按安全规定不予处理。",
        "请用区国资委下发的模板重新填写保存；文件中不要嵌入压缩包或大批量重复内容。",
    ),
    "E_XML_BOMB": (
        "文件内部结构含有不安全的定义（{reason}），按安全规定不予处理。",
        "请用 Office/WPS 将内容复制到区国资委下发的模板中重新保存后报送。",
    ),
    "E_MACRO": (
        "文件含有宏（{reason}），按安全规定不予接收。",
        "请另存为不含宏的格式（.xlsx 或 .docx）后重新报送。",
    ),
    "E_EMBEDDED": (
        "文件内嵌有 OLE 对象（{reason}），按安全规定不予接收。",
        "请删除文件中插入的对象（如嵌入的文档、程序包、附件图标），只保留文字和数字，另存后重新报送。",
    ),
    "E_EXTERNAL_LINK": (
        "文件含有外部链接（{reason}），打开时会访问其他文件或网络地址，按安全规定不予接收。",
        "请删除指向其他文件、共享文件夹或网络地址的链接、外部引用、远程模板和链接的图片（网页链接除外），"
        "另存后重新报送。",
    ),
    "E_META_SIGNATURE": (
        "文件内置的模板信息不是区国资委签发的原样（{reason}）。",
        "请使用区国资委下发给贵单位的模板填写（可在网上报送系统下载或向区国资委索取），"
        "不要修改模板中隐藏的信息，也不要用其他企业的模板改名报送。",
    ),
    "E_FORMULA": (
        "表格中含有公式（{cells}），系统不计算、不采信公式结果。",
        "请将这些单元格改为直接填写数值（复制后“选择性粘贴—数值”），再重新报送。",
    ),
    "E_TEMPLATE_VERSION": (
        "模板版本不符：文件使用的是“{found}”，本次应使用“{expected}”。",
        "请使用区国资委本次下发的模板（可向区国资委索取或运行 campaign template 生成）重新填写后报送。",
    ),
    "E_META_MISMATCH": (
        "文件内置的模板信息为“{found}”，与报送的“{claimed}”不一致。",
        "请确认使用的是贵单位、本项材料的模板；不要用其他企业或其他材料的模板改名报送。",
    ),
    "E_COLUMNS": (
        "表头与模板不一致：{detail}。",
        "请不要增加、删除、改名或移动模板的列；表头应为：{expected}。",
    ),
    "E_EMPTY_LIST": (
        "目标任务清单没有填写任何任务。",
        "请在表格中逐行填写目标任务（至少包括企业效益下的六项核心指标）后重新报送。",
    ),
    "E_EMPTY_DOCUMENT": (
        "文档只有模板的标题和提示文字，没有填写内容。",
        "请在各部分标题下填写贵单位的内容，并删除模板中的提示文字后重新报送。",
    ),
    "E_TOO_MANY_ROWS": (
        "清单共 {rows} 行，超过上限 {limit} 行。",
        "请合并同类任务，每项二级任务一行；如确有需要，请联系区国资委。",
    ),
    "E_DIMENSION": (
        "第 {row} 行的一级任务“{value}”不在对标维度范围内。",
        "请从下拉列表选择：{allowed}；新增维度请选“其他”，并在二级任务中写明。",
    ),
    "E_TARGET_NOT_QUANTIFIED": (
        "第 {row} 行（{task}）的年度目标值“{value}”未量化。",
        "请填写“数值+单位”，如 1200万元、95%、3项、≤65%，不要只写文字描述。",
    ),
    "E_ACTUAL_MISSING": (
        "第 {row} 行（{task}）未填写实际完成值。",
        "报送完成情况时，请在“实际完成值”中填写每项任务的实际完成数（“数值+单位”，如 1250万元、96%）；"
        "未完成的也请如实填写。",
    ),
    "E_SASAC_COLUMN_FILLED": (
        "第 {row} 行填写了“{column}”（内容：{value}）。",
        "“计分规则”“年度考核得分”由区国资委填写，请清空这些单元格后重新报送。",
    ),
    "E_CORE_INDICATOR_MISSING": (
        "企业效益下缺少核心指标“{indicator}”。",
        "请在一级任务“企业效益”下保留并填写“{indicator}（{unit}）”一行，年度目标值填写数值。",
    ),
    "E_TOO_LONG": (
        "{what}共 {count} 字，超过上限 {limit} 字。",
        "请精简到 {limit} 字以内（按不计空格的字符数统计，即 Word/WPS“字数统计”中的“字符数(不计空格)”）。",
    ),
    "E_PROGRESS_NOT_QUANTIFIED": (
        "第 {row} 行（{task}）的半年完成值“{value}”未量化。",
        "年度目标值为“{target}”，请填写同样单位的数值（如 5600万元、62%），进展情况写在“进展说明”列。",
    ),
    "E_PROGRESS_ROWS_CHANGED": (
        "进展表的任务行与备案的目标任务清单不一致：{detail}。",
        "请使用区国资委下发的预填模板，不要增加、删除或改动“序号”至“年度目标值”各列；新增事项写在“进展说明”中。",
    ),
    "E_SELF_REVIEW_MISSING": (
        "缺少“{sheet}”工作表。",
        "请使用区国资委下发的模板，在“{sheet}”工作表中填写做得好的方面、滞后的方面和动态调整的工作措施后重新报送。",
    ),
    "E_SELF_REVIEW_EMPTY": (
        "“自评”工作表中{items}没有填写。",
        "请在“自评”工作表中逐项如实填写（只写“无”“略”不算填写）；没有滞后事项的，请写明各项目标任务均按进度完成的依据。",
    ),
    "E_COMPLETION_CHANGED": (
        "{row}的“{column}”与{filed}不一致：备案为“{before}”，本次为“{after}”。",
        "完成情况按备案的目标任务清单填报，任务和年度目标值不能改动：请使用区国资委下发的完成情况模板（已按备案清单预填），"
        "只填写“实际完成值”和“备注”；确需调整目标任务的，请先与区国资委联系。",
    ),
    "E_COMPLETION_ROW_MISSING": (
        "{row}是{filed}中的任务，本次完成情况中没有这一行。",
        "请使用区国资委下发的完成情况模板（已按备案清单预填），逐项填写“实际完成值”，不要删除任务行。",
    ),
    "E_COMPLETION_ROW_ADDED": (
        "{row}不在{filed}中，本次完成情况多了这一行。",
        "完成情况只报告备案清单中的任务：请删除该行；清单之外的工作成效可写在相关任务的“备注”中。",
    ),
    "E_NARRATIVE_MISSING": (
        "没有填写“总体进展情况”。",
        "请在表格末尾“总体进展情况”下方的单元格中，简要说明半年来价值创造行动的总体进展、主要成效和存在问题。",
    ),
    "E_SECTION_EMPTY": (
        "“{section}”下只有模板的提示文字，没有填写贵单位的内容。",
        "请在“{section}”下填写贵单位的内容（模板中的提示文字可删除）；对标任务中确不涉及的维度，"
        "请写明“不适用”及原因，如“我公司无研发业务，本维度不适用”。",
    ),
    "E_SECTION_NO_REASON": (
        "“{section}”只写了“不适用”或“无”，没有说明原因。",
        "请写明该维度不适用于贵单位的原因，如“我公司为公益类企业，无对外经营业务，本维度不适用”。",
    ),
    "E_BENCHMARK_MODE": (
        "“一、对标对象”没有写明对标方式（单户或多户）。",
        "请在“一、对标对象”下写明“对标方式：单户”或“对标方式：多户”。",
    ),
    "E_BENCHMARK_NAMES": (
        "“一、对标对象”没有列出对标企业。",
        "请在“一、对标对象”下写“对标企业：”并列出对标企业全称，多户之间用顿号分隔。",
    ),
    "E_BENCHMARK_COUNT": (
        "“一、对标对象”写明对标方式为“{mode}”，但列出了{count}户对标企业。",
        "单户对标请只列一户对标企业；多户对标请列出两户及以上，或把对标方式改为“单户”。",
    ),
    "E_CHUANGBIAO_MISSING": (
        "“二、对标目标”没有列出创标企业（重点培育为标杆的子企业）。",
        "请在“二、对标目标”下按“创标企业：子企业名称（业务板块：……；对标企业：……）”逐户列出；"
        "没有子企业的，写“创标企业：无”并说明原因。",
    ),
    "E_CHUANGBIAO_FORMAT": (
        "创标企业“{entry}”没有写明业务板块和对标企业。",
        "请按“创标企业：子企业名称（业务板块：……；对标企业：……）”填写，每户一段。",
    ),
    "E_CHUANGBIAO_NO_REASON": (
        "“二、对标目标”写了“创标企业：无”，没有说明原因。",
        "请说明没有创标企业的原因，如“创标企业：无，我公司没有下属子企业”。",
    ),
    "E_SECTION_MISSING": (
        "缺少“{section}”部分。",
        "请按模板保留“{section}”标题并填写相应内容（标题文字请勿改动）。",
    ),
}


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    hint: str

    def as_dict(self) -> dict:
        return asdict(self)


def problem(code: str, **params) -> Problem:
    message, hint = CATALOG[code]
    return Problem(code, message.format(**params), hint.format(**params))


def shorten(value: object, limit: int = 20) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # readers return 10.0 for the 10 a person typed
    text = str(value).replace("\n", " ").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
