"""`GET /reports/{weekly|monthly|yearly}` on the projection's API: a report as a file to open.

The same tenancy as `GET /statistics`: an office key gets its own office's report (asking for another
office is 403); group and auditor keys get any office's, or the group's when no office is named.
The body is the whole file (a period's aggregates: small), named by `Content-Disposition`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Query, Request, Response, status
from pydantic import AwareDatetime

from shared.auth import Principal
from shared.clock import Clock
from shared.web import PROBLEM_RESPONSES, CurrentPrincipal, Problem, Refused

from ..application import ProjectionApplication
from ..domain.errors import UnknownPeriod
from ..reports import MEDIA_TYPES, render
from ..reports.figures import PERIODS, Period, build_report

REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {media.split(";")[0]: {} for media in MEDIA_TYPES.values()},
        "description": "The report as CSV, XLSX or PDF, with a Content-Disposition filename.",
    },
    404: {"model": Problem, "description": "No office is known by this id (`projection.unknown_office`)."},
    422: {"model": Problem, "description": "The period's key is missing, malformed or not a real week/month/year."},
    **{code: answer for code, answer in PROBLEM_RESPONSES.items() if code not in (404, 422)},
}


def install_reports(
    api: FastAPI,
    projection_of: Callable[[Request], ProjectionApplication],
    scope_of: Callable[[Principal, str | None], str | None],
    known_scope: Callable[[ProjectionApplication, Principal, str | None], None],
    clock: Clock,
    font_file: Path | None = None,
) -> None:
    @api.get("/reports/{period}", response_class=Response, responses=REPORT_RESPONSES)
    def report(
        period: Literal["weekly", "monthly", "yearly"],
        principal: CurrentPrincipal,
        request: Request,
        office: str | None = Query(None, description="An office; none: the group (group and auditor keys)."),
        week: str | None = Query(None, pattern=r"^\d{4}-W\d{2}$", description="For weekly: e.g. 2026-W45."),
        month: str | None = Query(None, pattern=r"^\d{4}-\d{2}$", description="For monthly: e.g. 2026-11."),
        year: str | None = Query(None, pattern=r"^\d{4}$", description="For yearly: e.g. 2026."),
        format: Literal["csv", "xlsx", "pdf"] = "pdf",
        lang: Literal["en", "zh-Hant", "zh-Hans"] = "en",
        at: AwareDatetime | None = Query(
            None, description="Judge the figures at this past instant (a published report's `judged_at`); now if none."
        ),
    ) -> Response:
        """A week's, month's or year's statistics of an office or the group: valid / assisted / invalid
        by business area, the Pareto of areas and the top-three share, compliance per time limit,
        return-visit rate, satisfaction, repeat complainants, complaints per million units. PDFs have
        charts; titles, labels, sheet names and the offices' names (the directory's) in English, Traditional
        or Simplified Chinese. An office nobody knows is 404 `projection.unknown_office`. No personal data."""
        kind = PERIODS[period]
        keys = {"week": week, "month": month, "year": year}
        others = [name for name, value in keys.items() if name != kind and value is not None]
        if others:
            raise Refused(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "projection.report_period_mismatch",
                f"a {period} report takes `{kind}`, not {others}", {"period": period, "takes": kind, "given": others},
            )  # fmt: skip
        scope = scope_of(principal, office)
        try:
            chosen = Period.of(kind, keys[kind])
        except UnknownPeriod as error:
            raise Refused(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "projection.unknown_period",
                f"give `{kind}` as a real {kind} (not {error})", {"period": str(error)},
            ) from None  # fmt: skip
        now = clock()
        if at is not None and at > now:
            raise Refused(status.HTTP_422_UNPROCESSABLE_CONTENT, "projection.at_in_future", "`at` is in the future")
        projection = projection_of(request)
        known_scope(projection, principal, scope)  # a mistyped office is 404, not a report of zeros
        built = build_report(projection, scope, chosen, at or now)
        return Response(
            render(built, format, lang, font_file),
            media_type=MEDIA_TYPES[format],
            headers={"Content-Disposition": f'attachment; filename="{built.filename(lang, format)}"'},
        )
