"""Reports SASAC reads: HTML (Jinja2, inline SVG charts), Excel workbooks, Word summaries."""
