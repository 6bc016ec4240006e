"""JUnit XML for CI: one <testcase> per test, <failure> or <error> with the words and the
last messages exchanged. The shape CI services read (Jenkins, GitLab, GitHub actions)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from wsinspector.core.scripting.runner import Outcome, RunReport


def junit_xml(report: RunReport, suite: str = "wsinspector") -> bytes:
    results = report.results
    failures = report.count(Outcome.FAILED)
    errors = report.count(Outcome.ERROR) + len(report.load_errors)
    root = ET.Element(
        "testsuite",
        name=suite,
        tests=str(len(results) + len(report.load_errors)),
        failures=str(failures),
        errors=str(errors),
        time=f"{sum(r.seconds for r in results):.3f}",
    )
    for path, why in report.load_errors:
        case = ET.SubElement(root, "testcase", classname=path.stem, name="<load>", time="0")
        ET.SubElement(case, "error", message=why).text = why
    for result in results:
        case = ET.SubElement(
            root,
            "testcase",
            classname=result.file.stem,
            name=result.name,
            file=str(result.file),
            time=f"{result.seconds:.3f}",
        )
        if result.outcome is Outcome.PASSED:
            continue
        tag = "failure" if result.outcome is Outcome.FAILED else "error"
        body = result.detail or result.message
        if result.last_messages:
            body += "\nlast messages exchanged:\n" + "\n".join(
                f"  {line}" for line in result.last_messages
            )
        ET.SubElement(case, tag, message=result.message).text = body
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def write_junit(report: RunReport, path: Path) -> None:
    path.write_bytes(junit_xml(report))
