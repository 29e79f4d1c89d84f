"""
The accounts surface's messages (seed 002), worded as the document words them.

The accounts style answers `{success: false, code: <HTTP status>, message, data}`;
these are the messages. Those 002 does not list (formats, limits) are ours and
are listed in docs/accounts.md.
"""
from enum import StrEnum


class Msg(StrEnum):
    # register / login (002 §1)
    REGISTERED = "注册成功"
    LOGGED_IN = "登录成功"
    CREDENTIALS_REQUIRED = "用户名和密码不能为空"
    USERNAME_TAKEN = "用户名已存在"
    EMAIL_TAKEN = "邮箱已存在"
    PHONE_TAKEN = "手机号已存在"
    PASSWORD_TOO_SHORT = "密码长度不能少于6位"
    WRONG_PASSWORD = "密码错误"
    ACCOUNT_DISABLED = "账户已被禁用"
    USER_NOT_FOUND = "用户不存在"
    # profile (002 §2)
    PROFILE_UPDATED = "个人信息更新成功"
    NO_VALID_FIELDS = "没有有效的更新字段"
    EMAIL_IN_USE = "邮箱已被其他用户使用"
    PHONE_IN_USE = "手机号已被其他用户使用"
    UPDATE_FAILED = "更新用户信息失败"
    # admin (002 §3)
    ADMIN_REQUIRED = "需要管理员权限"
    ADMIN_NOT_FOUND = "管理员不存在"
    ADMIN_DISABLED = "管理员账号已被禁用"
    SELECT_USERS = "请选择要操作的用户"
    INVALID_STATUS = "无效的状态值"
    BATCH_DONE = "成功更新 {count} 个用户状态"
    # ours: formats and limits 002 leaves open
    USERNAME_INVALID = "用户名格式不正确"
    PASSWORD_TOO_LONG = "密码长度不能超过128位"
    EMAIL_INVALID = "邮箱格式不正确"
    PHONE_INVALID = "手机号格式不正确"
    NICKNAME_INVALID = "昵称长度不能超过64个字符"
    AVATAR_INVALID = "头像URL格式不正确"
    GENDER_INVALID = "性别只能是 male、female 或 other"
    BIRTHDAY_INVALID = "生日格式不正确,应为 YYYY-MM-DD"
    TOO_MANY_USERS = "单次最多操作1000个用户"
    USER_IDS_INVALID = "用户ID必须是正整数"
    USER_TYPE_INVALID = "无效的用户类型"
    KEYWORD_INVALID = "搜索关键词不能超过100个字符"
    PAGE_INVALID = "页码必须是正整数"
    PAGE_SIZE_INVALID = "每页记录数必须在1到100之间"
    LOGIN_LOCKED = "登录失败次数过多,请稍后再试"
    # 002 §5's 429, word for word: the per-IP limit (the failed-login slowing above says more)
    RATE_LIMITED = "请求过于频繁"


def all_errors(message: str) -> dict[str, str]:
    """DRF `error_messages` that answer `message` whatever the field's complaint."""
    keys = (
        "required", "null", "blank", "invalid", "max_length", "min_length", "max_value", "min_value",
        "invalid_choice", "date", "datetime", "not_a_list", "empty", "max_string_length", "null_characters_not_allowed",
        "surrogate_characters_not_allowed", "format",
    )
    return {key: message for key in keys}
