"""The console's own users, for the owner and the admin: who has a log-in with which role,
a new one, a new password (their sessions end), disabled and enabled again, a lock-out
ended. Nobody disables or demotes themselves out of the console by accident: one's own
account is not changed here (``rufbereit users`` does everything on the command line)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .audit import Audit
from .auth import page
from .passwords import WeakPassword
from .users import ROLES, UserError, Users
from .views import render

ACTIONS = ("disable", "enable", "unlock", "passwd")


async def _users_page(request: Request, error: str = "", status: int = 200) -> Response:
    users: Users = request.app.state.users
    return render(request, "users.html", users=await users.all(), roles=ROLES, error=error,
                  status=status)  # fmt: skip


users_page = page("users")(_users_page)


@page("users")
async def user_add(request: Request) -> Response:
    form = await request.form()
    users: Users = request.app.state.users
    try:
        user = await users.add(str(form.get("username", "")), str(form.get("password", "")),
                               str(form.get("role", "")))  # fmt: skip
    except (UserError, WeakPassword) as exc:
        return await _users_page(request, error=str(exc), status=422)
    await _note(request, "user_added", f"{user.username} ({user.role})")
    return RedirectResponse("/users?saved=1", status_code=303)


@page("users")
async def user_change(request: Request) -> Response:
    name, action = request.path_params["username"], request.path_params["action"]
    me = request.state.session.user.username
    users: Users = request.app.state.users
    try:
        if action not in ACTIONS:
            raise UserError(f"{action!r} cannot be done to a user")
        if name == me and action != "passwd":
            raise UserError("your own log-in is not changed here; ask another owner or admin")
        if action == "passwd":
            form = await request.form()
            await users.set_password(name, str(form.get("password", "")))
        elif action == "unlock":
            await users.unlock(name)
        else:
            await users.set_disabled(name, action == "disable")
    except (UserError, WeakPassword) as exc:
        return await _users_page(request, error=str(exc), status=422)
    await _note(request, f"user_{action}", name)
    if name == me:  # a new own password ends one's own sessions too
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/users?saved=1", status_code=303)


async def _note(request: Request, action: str, subject: str) -> None:
    audit: Audit = request.app.state.audit
    await audit.record(request.state.session.user.username, action, subject=subject)
