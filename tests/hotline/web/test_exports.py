"""The supervisor's exports: the lists and the rankings as CSV (UTF-8 with BOM) or Excel (xlsx)."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

from hotline.database import session_factory
from tests.hotline.scoring.test_scoring import City, build_october
from tests.hotline.web.conftest import Staff, make_user, sign_in
from tests.hotline.web.test_workflow_pages import submit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_of(response):
    assert response.status_code == 200 and response.mimetype == XLSX
    return openpyxl.load_workbook(io.BytesIO(response.data)).active


@pytest.fixture
def october(make_app):
    app = make_app(SCORE_MIN_VOLUME=3, SCORE_WEIGHTS=json.dumps({"department": [50, 25, 25]}))
    with session_factory(app)() as session, session.begin():
        build_october(City(session))
    username = make_user(app, "supervisor")
    return Staff(sign_in(app, username), username, "supervisor", None)


def test_rankings__excel_has_numbers_rates_as_percentages_and_the_same_rows_as_the_csv(october):
    sheet = sheet_of(october.get("/supervisor/export/rankings.xlsx?period=2026-10"))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("周期", "单位分组", "单位编码", "单位") and rows[0][-2:] == ("综合得分", "排名")
    assert sheet.freeze_panes == "A2"
    wj = next(row for row in rows if row[2] == "CY-WJ")
    assert wj[4:] == (4, 3, 4, 0.75, 0.75, pytest.approx(0.7), 73.25, 1)
    rate_cell = sheet.cell(row=rows.index(wj) + 1, column=8)
    assert rate_cell.number_format == "0.0%"

    csv_text = october.get("/supervisor/export/rankings.csv?period=2026-10").data.decode("utf-8-sig")
    assert "CY-WJ,望京街道办事处,4,3,4,75.0%,75.0%,70.0%,73.25,1" in csv_text
    assert len(csv_text.strip().splitlines()) == len(rows)


def test_lists__text_stays_text_in_excel_even_when_it_looks_like_a_formula(app, staff):
    agent, supervisor = staff("agent"), staff("supervisor")
    content = "=HYPERLINK(\"http://example.invalid\",\"点我\") 小区门口烧烤摊占道经营，油烟很大"
    number = submit(agent, content=content)
    sheet = sheet_of(supervisor.get("/supervisor/export/search.xlsx?q=烧烤"))
    row = next(row for row in sheet.iter_rows() if row[0].value == number)
    assert row[-1].value == content and row[-1].data_type == "s"


def test_exports__an_unknown_format_is_404(app, staff):
    supervisor = staff("supervisor")
    assert supervisor.get("/supervisor/export/overdue.pdf").status_code == 404
    assert supervisor.get("/supervisor/export/rankings.ods").status_code == 404


def test_lists__csv_defuses_a_citizens_text_that_looks_like_a_formula(app, staff):
    import csv

    agent, supervisor = staff("agent"), staff("supervisor")
    content = "=HYPERLINK(\"http://example.invalid\",\"点我\") 小区门口烧烤摊占道经营，油烟很大"
    number = submit(agent, content=content, form_key="csv-formula")
    text = supervisor.get("/supervisor/export/search.csv?q=烧烤").get_data(as_text=True)
    row = next(row for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) if row and row[0] == number)
    assert row[-1] == "'" + content
