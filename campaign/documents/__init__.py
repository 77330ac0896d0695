"""Word documents: Attachment 1 (目标任务) and the 部署推动情况报告 — templates, reading, rules."""
