"""The SASAC console's routes (/staff/…): sign-in, the matrix, one cell, 备案 review, 免报, runs,
reports and the audit trail.

Every route but the sign-in page depends on `require_role(…)` (staff_auth.py); every POST checks the
session's CSRF token. Routes are thin: they call the same store functions the CLI calls.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, FastAPI, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from campaign.calendar.clock import TZ
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.errors import CampaignError
from campaign.staff.store import authenticate
from campaign.submissions.review import file_submission, return_submission
from campaign.submissions.status import STATUS_ZH
from campaign.submissions.store import grant_waiver, revoke_waiver
from campaign.web import console, runs
from campaign.web.security import csrf_ok, new_csrf_token
from campaign.web.staff_auth import RoleTooLow, Staff, StaffNotSignedIn, current_staff, require_role, start_session

Viewer = Annotated[Staff, Depends(require_role("查看"))]
Reviewer = Annotated[Staff, Depends(require_role("审核"))]
Admin = Annotated[Staff, Depends(require_role("管理"))]

SIGNED_OUT_ZH = {
    "signed_out": "请先登录。",
    "expired": "登录已过期，请重新登录。",
    "idle": "长时间未操作，已自动退出，请重新登录。",
    "ended": "账户已停用或密码已重置，请重新登录。",
}


class FormError(Exception):
    """A form the console refuses (bad CSRF token, a missing field): shown as a Chinese error page."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def audit_filters(
    enterprise: str = "", actor: str = "", group: str = "", date_from: str = "", date_to: str = ""
) -> console.AuditFilters:
    """The audit page's query parameters, checked (a dependency of the page and of its export)."""
    try:
        start = date.fromisoformat(date_from) if date_from else None
        end = date.fromisoformat(date_to) if date_to else None
    except ValueError:
        raise FormError("日期无效，应为 YYYY-MM-DD。") from None
    if group and group not in console.AUDIT_GROUPS:
        raise FormError(f"没有类别“{group}”。")
    return console.AuditFilters(enterprise.strip(), actor.strip(), group, start, end)


def register(app: FastAPI) -> None:
    from campaign.web.app import audit, deliver, page, state

    def staff_page(request: Request, name: str, staff: Staff | None, status_code: int = 200, **ctx: Any) -> Response:
        return page(request, name, status_code=status_code, staff=staff, ui_url=runs.ui_url(state(request).home), **ctx)

    async def form_of(request: Request, staff: Staff, fields: int = 8) -> dict[str, str]:
        form = await request.form(max_files=0, max_fields=fields)
        if not csrf_ok(staff.csrf, str(form.get("csrf_token") or "")):
            raise FormError("表单已失效（页面停留过久或来源不明），请返回重新操作。", 403)
        return {k: str(v) for k, v in form.items()}

    def client_of(request: Request) -> str:
        return request.client.host if request.client else "-"

    @app.exception_handler(StaffNotSignedIn)
    async def staff_signed_out(request: Request, exc: StaffNotSignedIn) -> Response:
        return _login_page(request, status_code=401, notice=SIGNED_OUT_ZH[exc.reason])

    @app.exception_handler(RoleTooLow)
    async def role_too_low(request: Request, exc: RoleTooLow) -> Response:
        return staff_page(
            request, "staff/error.html", None, 403, message=f"无权进行此操作：需要“{exc.required}”及以上权限。"
        )

    @app.exception_handler(FormError)
    async def form_error(request: Request, exc: FormError) -> Response:
        return staff_page(request, "staff/error.html", None, exc.status, message=exc.message)

    def _login_page(request: Request, status_code: int = 200, notice: str = "", error: str = "") -> Response:
        token = request.session.get("login_csrf")
        if not isinstance(token, str):
            token = new_csrf_token()
            request.session["login_csrf"] = token
        return staff_page(request, "staff/login.html", None, status_code, login_csrf=token, notice=notice, error=error)

    @app.get("/staff/login")
    def login_form(request: Request) -> Response:
        return _login_page(request)

    @app.post("/staff/login")
    async def login(request: Request) -> Response:
        p = state(request)
        form = await request.form(max_files=0, max_fields=4)
        username, password = str(form.get("username") or "").strip().lower(), str(form.get("password") or "")
        client = client_of(request)
        at = p.as_of()
        if not csrf_ok(request.session.get("login_csrf"), str(form.get("csrf_token") or "")):
            return _login_page(request, 403, error="登录表单已失效，请重新输入。")

        async def refused(reason: str) -> None:
            detail = {"reason": reason, "client": client}
            user = username[:40] or "-"
            await run_in_threadpool(audit, at, f"client:{client}", "staff.signin_refused", "staff_user", user, detail)

        # Limited per address and per account: guessing one password from many addresses is slowed too.
        if not (p.limiter.allow(f"staff:{client}") and p.limiter.allow(f"user:{username}")):
            seconds = max(p.limiter.retry_after(f"staff:{client}"), p.limiter.retry_after(f"user:{username}"))
            await refused("rate_limited")
            response = _login_page(request, 429, error=f"登录尝试过于频繁，请 {seconds} 秒后再试。")
            response.headers["retry-after"] = str(seconds)
            return response
        with session_scope() as db:
            account = await run_in_threadpool(authenticate, db, username, password)
        if account is None:
            await refused("bad_credentials")
            return _login_page(request, 401, error="用户名或密码不正确，或账户已停用。")
        start_session(request, account, new_csrf_token())
        await run_in_threadpool(
            audit, at, f"staff:{account.username}", "staff.signin", "staff_user", account.username, {"client": client}
        )
        return RedirectResponse("/staff", status_code=303)

    @app.post("/staff/logout")
    async def logout(request: Request, staff: Annotated[Staff, Depends(current_staff)]) -> Response:
        await form_of(request, staff)
        request.session.clear()
        audit(state(request).as_of(), staff.actor, "staff.signout", "staff_user", staff.username, {})
        return RedirectResponse("/staff/login", status_code=303)

    def as_of_param(request: Request, as_of: str | None) -> datetime:
        """The moment the matrix shows: a date typed in the filter means the end of that day."""
        if not as_of:
            return state(request).as_of()
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            raise FormError(f"日期“{as_of}”无效，应为 YYYY-MM-DD，例如 2023-07-31。") from None
        return datetime.combine(day, time(23, 59, 59), TZ)

    @app.get("/staff")
    def matrix(
        request: Request,
        staff: Viewer,
        as_of: str | None = None,
        phase: str = "",
        category: str = "",
        tier: str = "",
        cell_state: Annotated[str, Query(alias="state")] = "",
    ) -> Response:
        p = state(request)
        moment = as_of_param(request, as_of)
        filters = console.MatrixFilters(phase, category, tier, cell_state)
        problem = console.check_filters(p.config, filters)
        if problem:
            raise FormError(f"筛选条件有误：{problem}。")
        with session_scope() as db:
            view = console.build_matrix(db, p.config, moment, filters)
        return staff_page(
            request,
            "staff/matrix.html",
            staff,
            view=view,
            states=STATUS_ZH,
            tiers=console.TIERS,
            phases=p.config.phases,
            categories=sorted({str(e.category) for e in p.config.enterprises}),
            as_of_text=as_of or "",
            as_of_query=f"?as_of={as_of}" if as_of else "",
        )

    @app.get("/staff/cells/{enterprise}/{deliverable}")
    def cell(request: Request, enterprise: str, deliverable: str, staff: Viewer, as_of: str | None = None) -> Response:
        moment = as_of_param(request, as_of)
        with session_scope() as db:
            found = console.cell(db, enterprise, deliverable, moment)
        if found is None:
            raise StarletteHTTPException(404)
        return staff_page(
            request,
            "staff/cell.html",
            staff,
            cell=found,
            states=STATUS_ZH,
            as_of_text=as_of or "",
            flash=request.session.pop("flash", None),
        )

    @app.get("/staff/files/{submission_id}")
    def stored_file(request: Request, submission_id: int, staff: Viewer) -> Response:
        p = state(request)
        with session_scope() as db:
            found = console.stored_file(db, p.home, submission_id)
        if found is None:
            raise StarletteHTTPException(404)
        path, name = found
        audit(p.as_of(), staff.actor, "console.download", "submission", str(submission_id), {"file": name})
        return FileResponse(path, filename=name, content_disposition_type="attachment")

    def back_to_cell(sub_id: int) -> str:
        with session_scope() as db:
            row = db.execute(
                select(m.Enterprise.code, m.Deliverable.code)
                .join(m.Submission, m.Submission.enterprise_id == m.Enterprise.id)
                .join(m.Deliverable, m.Deliverable.id == m.Submission.deliverable_id)
                .where(m.Submission.id == sub_id)
            ).one_or_none()
        if row is None:
            raise StarletteHTTPException(404)
        return f"/staff/cells/{row[0]}/{row[1]}"

    def apply(work: Callable[[Session], Any]) -> Any:
        """A store change in one transaction: all of it lands, or (on a CampaignError) none of it."""
        with session_scope() as db:
            return work(db)

    async def change(request: Request, staff: Staff, work: Callable[[Session], Any], target: str, done: str):
        """(result, None) after the change, or (None, the error page) when the store refused it."""
        try:
            result = await run_in_threadpool(apply, work)
        except CampaignError as exc:
            return None, staff_page(request, "staff/error.html", staff, 400, message=str(exc), back=target)
        request.session["flash"] = done
        return result, None

    @app.post("/staff/submissions/{submission_id}/file")
    async def file_version(request: Request, submission_id: int, staff: Reviewer) -> Response:
        await form_of(request, staff)
        target = await run_in_threadpool(back_to_cell, submission_id)
        at = state(request).as_of()
        _, refused = await change(
            request, staff, lambda db: file_submission(db, submission_id, staff.actor, at), target, "已确认备案。"
        )
        return refused or RedirectResponse(target, status_code=303)

    @app.post("/staff/submissions/{submission_id}/return")
    async def return_version(
        request: Request, submission_id: int, staff: Reviewer, background: BackgroundTasks
    ) -> Response:
        form = await form_of(request, staff)
        target = await run_in_threadpool(back_to_cell, submission_id)
        p = state(request)
        at = p.as_of()
        message, refused = await change(
            request,
            staff,
            lambda db: return_submission(
                db, p.config, p.channels, submission_id, staff.actor, form.get("reason", ""), at
            ),
            target,
            "已退回，退回通知已发给企业。",
        )
        if refused:
            return refused
        background.add_task(deliver, p, message.key, at)  # the page does not wait for the channel
        return RedirectResponse(target, status_code=303)

    @app.post("/staff/waivers/{enterprise}/{deliverable}")
    async def waive(request: Request, enterprise: str, deliverable: str, staff: Admin) -> Response:
        form = await form_of(request, staff)
        at = state(request).as_of()
        target = f"/staff/cells/{enterprise}/{deliverable}"
        work: Callable[[Session], object]
        if form.get("revoke"):
            work = lambda db: revoke_waiver(db, enterprise, deliverable, staff.actor, at)  # noqa: E731
            done = "已撤销免报，该企业恢复应报。"
        else:
            work = lambda db: grant_waiver(db, enterprise, deliverable, form.get("reason", ""), staff.actor, at)  # noqa: E731
            done = "已免报：提醒、催报汇总和完成率不再计入该项。"
        _, refused = await change(request, staff, work, target, done)
        return refused or RedirectResponse(target, status_code=303)

    @app.get("/staff/actions")
    def actions(request: Request, staff: Viewer, run: str = "") -> Response:
        p = state(request)
        home = p.home
        with session_scope() as db:
            failed = db.execute(
                select(m.Notification.key, m.Notification.title, m.Notification.recipient, m.Notification.last_error)
                # failed for good, or held as outcome unknown (no answer in time: staff check with the recipient)
                .where(m.Notification.status.in_(("failed", "unknown")))
                .order_by(m.Notification.created_at)
                .limit(200)
            ).all()
            assessments = db.execute(
                select(m.Assessment.year, m.Assessment.status, m.Assessment.flow_run_id).order_by(m.Assessment.year)
            ).all()
        return staff_page(
            request,
            "staff/actions.html",
            staff,
            failed=failed,
            assessments=[(y, s, runs.flow_run_url(home, r) if r else None) for y, s, r in assessments],
            periods=[d.period for d in p.config.deliverables if d.period],
            years=sorted({d.year for d in p.config.deliverables if d.kind == "completion"}),
            started=request.session.pop("started", None),
        )

    async def start_run(request: Request, staff: Staff, action: str, parameters: dict[str, Any]) -> Response:
        p = state(request)
        try:
            started = await run_in_threadpool(runs.start, p.home, action, parameters, staff.username)
        except CampaignError as exc:
            return staff_page(request, "staff/error.html", staff, 503, message=str(exc), back="/staff/actions")
        await run_in_threadpool(
            audit,
            p.as_of(),
            staff.actor,
            "console.run",
            "flow_run",
            started.id,
            {"deployment": runs.DEPLOYMENTS[action][0], "parameters": parameters},
        )
        request.session["started"] = {"label": runs.DEPLOYMENTS[action][2], "name": started.name, "url": started.url}
        return RedirectResponse("/staff/actions", status_code=303)

    @app.post("/staff/actions/half-year")
    async def open_half_year(request: Request, staff: Reviewer) -> Response:
        form = await form_of(request, staff)
        period = form.get("period", "")
        if period not in {d.period for d in state(request).config.deliverables if d.period}:
            raise FormError(f"没有半年度“{period}”。")
        return await start_run(request, staff, "half-year", {"period": period, "mode": "open"})

    @app.post("/staff/actions/assessment")
    async def run_assessment(request: Request, staff: Reviewer) -> Response:
        form = await form_of(request, staff)
        year = form.get("year", "")
        if not year.isdigit() or int(year) not in {d.year for d in state(request).config.deliverables}:
            raise FormError(f"没有年度“{year}”。")
        return await start_run(request, staff, "assessment", {"year": int(year)})

    @app.post("/staff/actions/final-review")
    async def run_final_review(request: Request, staff: Reviewer) -> Response:
        await form_of(request, staff)
        return await start_run(request, staff, "final-review", {})

    @app.post("/staff/messages/resend")
    async def resend(request: Request, staff: Admin) -> Response:
        form = await request.form(max_files=0, max_fields=210)
        if not csrf_ok(staff.csrf, str(form.get("csrf_token") or "")):
            raise FormError("表单已失效，请返回重新操作。", 403)
        keys = [str(v) for k, v in form.multi_items() if k == "key"]
        if not keys:
            raise FormError("请至少选择一条要补发的消息。")
        return await start_run(request, staff, "resend", {"keys": keys, "requested_by": staff.username})

    @app.get("/staff/reports")
    def reports(request: Request, staff: Viewer) -> Response:
        return staff_page(request, "staff/reports.html", staff, files=console.report_files(state(request).home))

    @app.get("/staff/reports/file")
    def report_file(request: Request, staff: Viewer, path: str = "") -> Response:
        p = state(request)
        found = console.report_path(p.home, path)
        if found is None:
            raise StarletteHTTPException(404)
        audit(p.as_of(), staff.actor, "console.download", "report", path[:200], {})
        return FileResponse(found, filename=found.name, content_disposition_type="attachment")

    @app.get("/staff/audit")
    def audit_page(
        request: Request, staff: Reviewer, filters: Annotated[console.AuditFilters, Depends(audit_filters)]
    ) -> Response:
        with session_scope() as db:
            lines, total = console.audit_lines(db, filters)
        return staff_page(
            request,
            "staff/audit.html",
            staff,
            lines=lines,
            total=total,
            filters=filters,
            groups=console.AUDIT_GROUPS,
            query=request.url.query,
        )

    @app.get("/staff/audit.xlsx")
    def audit_export(
        request: Request, staff: Reviewer, filters: Annotated[console.AuditFilters, Depends(audit_filters)]
    ) -> Response:
        with session_scope() as db:
            lines, _ = console.audit_lines(db, filters, limit=None)
        data = console.audit_workbook(lines, filters)
        audit(
            state(request).as_of(),
            staff.actor,
            "console.export",
            "audit",
            request.url.query[:200] or "-",
            {"rows": len(lines)},
        )
        return StreamingResponse(
            io.BytesIO(data),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"content-disposition": "attachment; filename*=UTF-8''audit.xlsx"},
        )
