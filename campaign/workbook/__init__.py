"""Attachment 2 (目标任务清单) workbook: layout, generation, reading."""
