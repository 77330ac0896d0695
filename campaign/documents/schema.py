"""Structure of the Word templates, from the seed's Attachment 1 (目标任务（模板）)."""

from __future__ import annotations

TARGETS_TEMPLATE_VERSION = "attachment1-targets/2023.1"
REPORT_TEMPLATE_VERSION = "deployment-report/2023.1"
TEMPLATE_VERSIONS = {"attachment1-targets": TARGETS_TEMPLATE_VERSION, "deployment-report": REPORT_TEMPLATE_VERSION}

SECTIONS = ("一、对标对象", "二、对标目标", "三、对标任务")
TASK_SUBSECTIONS = (
    "（一）在产品质量、服务质量上对标世界一流",
    "（二）在市场化经营管理上对标世界一流",
    "（三）在科技创新上对标世界一流",
    "（四）在企业效益上对标世界一流",
    "（五）在人才队伍建设上对标世界一流",
    "（六）在数字化变革上对标世界一流",
    "（七）在企业文化上对标世界一流",
    "（八）在企业实力上对标世界一流",
)
# How the enterprise writes its benchmarks and its 创标 subsidiaries, so both can be read as data
# (campaign/validation/documents.py benchmark_choice, chuangbiao_units).
BENCHMARK_FORMAT = (
    "（请写明“对标方式：单户”或“对标方式：多户”，以及“对标企业：”后列出对标企业全称，"
    "多户之间用顿号分隔，如“对标方式：多户。对标企业：甲集团有限公司、乙股份有限公司。”本段提示请删除。）"
)
CHUANGBIAO_FORMAT = (
    "（创标企业每户一段，写明子企业名称、所属业务板块和对标企业，如“创标企业：甲物流有限公司"
    "（业务板块：现代物流；对标企业：乙物流股份有限公司）。”没有子企业的，写“创标企业：无”并说明原因。本段提示请删除。）"
)
# The seed's guidance under each heading, kept in the template for the enterprise to replace.
GUIDANCE = {
    "一、对标对象": [
        "可根据实际，选择单户或者多户企业进行对标。",
        BENCHMARK_FORMAT,
    ],
    "二、对标目标": [
        "到2025年，公司应发展成为全区（领先/一流/学习榜样/……）。现状（以利润总额、净利润、资产负债率、净资产收益率、"
        "全员劳动生产率、营业现金比率等核心指标为基础，找到坐标）、存在差距、努力的方向……",
        "以对标促达标、以达标促创标。创标企业（重点培育为标杆的子企业）包括……。其余为达标（对标提升）企业。",
        CHUANGBIAO_FORMAT,
    ],
}
REPORT_GUIDANCE = (
    "（请简要报告本企业部署推动价值创造行动的情况，如：召开启动会议、成立工作机构、明确责任部门、"
    "制定实施方案、开展宣贯培训、下一步安排等。全文不超过500字，本段提示请删除。）"
)
LIMIT_NOTE = "（不超过{limit}字）"
ATTACHMENT1_LABEL = "附件1"  # the seed's label for 目标任务（模板）, printed at the top left of the document
