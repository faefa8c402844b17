"""A table of the reports page as a file: CSV (UTF-8 with BOM, for Excel) or XLSX.

Every export is audited (who, which table, which shops and days), and no text cell reaches
the file in a shape a spreadsheet would run as a formula (`reviews.spreadsheets.neutralise`):
product names come from imported files, the names in the root-cause tables from buyers' words.
"""

import csv
import io

from django.http import HttpResponse

from reviews import services
from reviews.downloads import attachment
from reviews.spreadsheets import neutralise

from .query import ReportQuery
from .tables import Table

KINDS = ("csv", "xlsx")


def table_export(
    *, table: Table, kind: str, query: ReportQuery, actor, ip: str | None
) -> HttpResponse:
    """Record the export in the audit log, then the file as a download. One line per shop
    the file covers: each shop's manager reads the log of their own shops only, so an export
    spanning several shops must show in every one of them."""
    for shop in query.shops:
        services.audit_record(
            actor=actor,
            action="report_exported",
            shop=shop,
            target=f"report:{table.name}",
            ip=ip,
            format=kind,
            shops=[s.slug for s in query.shops],
            start=query.range.start.isoformat(),
            end=query.range.end.isoformat(),
        )
    return export_table(table, kind, query)


def export_table(table: Table, kind: str, query: ReportQuery) -> HttpResponse:
    """The table as CSV (UTF-8 with BOM, for Excel) or XLSX; text cells that a spreadsheet
    would run as a formula are quoted (= + - @, or a leading tab, CR or NUL)."""
    filename = f"report-{table.name}-{query.range.start}-{query.range.end}"
    rows = [[_safe(v) for v in row] for row in [table.headers, *table.rows]]
    if kind == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        csv.writer(buffer).writerows(rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = attachment(f"{filename}.csv")
        return response
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=table.name[:31])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = attachment(f"{filename}.xlsx")
    return response


def _safe(value):
    """Numbers stay numbers; text is neutralised (a string is never a formula in the export)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return neutralise(value)
    return value
