"""The data-quality findings as text for the command line."""

from __future__ import annotations


def format_findings(findings: list[dict]) -> str:
    width = max(len(f["key"]) for f in findings)
    lines = []
    for f in findings:
        examples = f"  e.g. {', '.join(f['examples'])}" if f["examples"] else ""
        lines.append(f"{f['count']:>9,}  {f['key']:<{width}}  {f['label']}{examples}")
    return "\n".join(lines)
