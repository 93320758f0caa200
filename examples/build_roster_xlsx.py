"""Build examples/roster.xlsx from the two CSVs beside it, the way staff would lay it out.

The CSVs are the source; run ``python examples/build_roster_xlsx.py`` after changing them.
The workbook has an instructions sheet (skipped by the importer), a title row above each
header (as rosters printed for meetings usually have), and the 编号 and 电话 columns
stored as text so that leading zeros survive.
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent


def rows(name: str) -> list[list[str]]:
    with (HERE / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def main() -> None:
    book = Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "说明"
    notes.append(["青山县党员花名册（虚构示例）"])
    notes.append(["“组织”表列出县、乡镇、支部、党小组；“党员”表每行一名党员，编号不可更改。"])
    for title, source, heading in (
        ("组织", "units.csv", "青山县党组织"),
        ("党员", "members.csv", "青山县党员花名册"),
    ):
        sheet = book.create_sheet(title)
        sheet.append([heading])
        sheet["A1"].font = Font(bold=True, size=14)
        data = rows(source)
        sheet.append(data[0])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for values in data[1:]:
            sheet.append([int(v) if v.isdigit() and len(v) == 4 else v for v in values])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # typed text, never a formula Excel would evaluate
    book.save(HERE / "roster.xlsx")


if __name__ == "__main__":
    main()
