"""
What the OpenAPI document says about the accounts operations (read by
`core.schema_examples`): user-facing texts, success messages and the errors each
operation answers, with the messages of accounts.errors.
"""
from accounts.errors import Msg
from core.schema_examples import validation_case


def _error(status: int, message: Msg, data=None):
    return (status, str(message), data)


def _invalid(field: str, message: Msg):
    return validation_case("accounts", field, str(message))


_NOT_SIGNED_IN = [_error(401, "未提供认证token"), _error(401, "无效的认证token")]
_DISABLED = _error(403, Msg.ACCOUNT_DISABLED)
_ADMIN = [_error(403, Msg.ADMIN_REQUIRED), _DISABLED]

OPERATIONS = {
    "auth_register": {
        "summary": "注册 (Register)",
        "description": "用用户名和密码(至少 6 位)注册,可同时提供邮箱、手机号和昵称;成功返回 201、用户信息与 JWT。"
        "用户名、邮箱或手机号已被使用时返回 400。",
        "success_message": str(Msg.REGISTERED),
        "errors": {"400": [_invalid("username", Msg.CREDENTIALS_REQUIRED), _error(400, Msg.USERNAME_TAKEN),
                           _invalid("password", Msg.PASSWORD_TOO_SHORT)]},
    },
    "auth_login": {
        "summary": "登录 (Log in)",
        "description": "username 可填用户名、邮箱或手机号;成功返回用户信息与 JWT。用户不存在返回 404,密码错误返回 401,"
        "账户已禁用返回 403;同一账户多次登录失败后返回 429。",
        "success_message": str(Msg.LOGGED_IN),
        "errors": {"400": [_invalid("username", Msg.CREDENTIALS_REQUIRED)], "401": [_error(401, Msg.WRONG_PASSWORD)],
                   "403": [_DISABLED], "404": [_error(404, Msg.USER_NOT_FOUND)],
                   "429": [_error(429, Msg.RATE_LIMITED), _error(429, Msg.LOGIN_LOCKED)]},
    },
    "users_profile": {
        "summary": "获取个人信息 (Get the profile)",
        "description": "返回当前登录用户的信息。需要用户 JWT(Authorization: Bearer <token>)。",
        "errors": {"401": _NOT_SIGNED_IN, "403": [_DISABLED]},
    },
    "users_profile_update": {
        "summary": "更新个人信息 (Update the profile)",
        "description": "只修改 nickname、avatar、gender、birthday、phone、email 六个字段,请求体中的其他字段不会改变任何内容;"
        "没有可更新的字段返回 400,邮箱或手机号已被其他用户使用返回 400。需要用户 JWT。",
        "success_message": str(Msg.PROFILE_UPDATED),
        "errors": {"400": [_invalid("body", Msg.NO_VALID_FIELDS), _error(400, Msg.EMAIL_IN_USE),
                           _invalid("gender", Msg.GENDER_INVALID)],
                   "401": _NOT_SIGNED_IN, "403": [_DISABLED]},
    },
    "admin_users_search": {
        "summary": "搜索用户(管理员) (Search users, staff)",
        "description": "按关键词(用户名、昵称、邮箱、手机号)、用户类型和状态分页搜索用户。需要管理员 JWT,"
        "非管理员返回 403“需要管理员权限”。",
        "errors": {"400": [_invalid("pageSize", Msg.PAGE_SIZE_INVALID)], "401": _NOT_SIGNED_IN, "403": _ADMIN},
    },
    "admin_users_batch_status": {
        "summary": "批量修改用户状态(管理员) (Set user status in bulk, staff)",
        "description": "一次把 1–1000 个用户设为 active 或 inactive。调用者自己的状态不会改变;只有超级管理员能修改"
        "管理员账号(其余列在 skippedPrivilegedIds 中)。被禁用用户的 token 立即失效。每次调用都会记录,"
        "可在 Django admin 中查看。需要管理员 JWT 与修改用户的权限。",
        "success_message": Msg.BATCH_DONE.format(count=2),
        "errors": {"400": [_invalid("userIds", Msg.SELECT_USERS), _invalid("status", Msg.INVALID_STATUS),
                           _invalid("userIds", Msg.TOO_MANY_USERS)],
                   "401": _NOT_SIGNED_IN, "403": _ADMIN},
    },
    "accounts_health": {
        "summary": "健康检查(账户服务) (Accounts health)",
        "description": "无需认证、不限流、无副作用,也可用 HEAD。正常时返回 200 与 002 的健康对象(不包在信封里),"
        "依赖不可用时返回 503 与同样的对象加 details。",
    },
    "accounts_system_stats": {
        "summary": "系统运行状态 (System stats)",
        "description": "返回本进程真实的运行信息(Python 与 Django 版本、内存等),不包在信封里。默认需要管理员 JWT,"
        "设置 SYSTEM_STATS_PUBLIC=true 时对所有人开放。",
        "errors": {"401": _NOT_SIGNED_IN, "403": [_error(403, Msg.ADMIN_REQUIRED)]},
    },
}
