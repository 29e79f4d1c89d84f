"""
DRF's built-in messages in the service's own Chinese, in one place.

The partner and accounts surfaces answer in Chinese (contract §1). Fields the
service declares with its own messages say what the documents say; the rest
would fall back on DRF's wording: English where DRF never translates it ("No
data provided"), elsewhere the zh-hans catalog's translation, which leaks
Python type names ("得到的是 list") and changes whenever DRF's catalog does.
The exception mapping (core.exceptions) passes every validation reason of a
Chinese surface through `in_chinese`, which recognises DRF's wording in either
language and answers ours. The 003 surfaces keep English.
"""
from __future__ import annotations

import re
from functools import lru_cache

from django.utils.translation import gettext, override

from core import styles

BODY = ""  # the field path DRF gives to errors about the body as a whole

# DRF's English message (its msgid, placeholders as DRF formats them) -> ours.
CHINESE: dict[str, str] = {
    # any field
    "This field is required.": "缺少该字段",
    "This field may not be null.": "不能为 null",
    "This field may not be blank.": "不能为空字符串",
    "Invalid input.": "参数无效",
    # strings
    "Not a valid string.": "必须是字符串",
    "Ensure this field has no more than {max_length} characters.": "长度不能超过 {max_length} 个字符",
    "Ensure this field has at least {min_length} characters.": "长度不能少于 {min_length} 个字符",
    "Null characters are not allowed.": "不能包含 NUL 字符",
    "Surrogate characters are not allowed: {code_point}.": "不能包含代理字符 {code_point}",
    "Enter a valid email address.": "必须是合法的邮箱地址",
    "Enter a valid URL.": "必须是合法的 URL",
    # The input is left out: it can be as long as the body allows.
    '"{input}" is not a valid choice.': "不是允许的取值",
    # numbers and booleans
    "A valid integer is required.": "必须是整数",
    "A valid number is required.": "必须是数字",
    "Must be a valid boolean.": "必须是布尔值",
    "Ensure this value is less than or equal to {max_value}.": "不能大于 {max_value}",
    "Ensure this value is greater than or equal to {min_value}.": "不能小于 {min_value}",
    "String value too large.": "字符串过长",
    "Ensure that there are no more than {max_digits} digits in total.": "总位数不能超过 {max_digits} 位",
    "Ensure that there are no more than {max_decimal_places} decimal places.": "小数不能超过 {max_decimal_places} 位",
    "Ensure that there are no more than {max_whole_digits} digits before the decimal point.":
        "整数部分不能超过 {max_whole_digits} 位",
    # dates and times
    "Date has wrong format. Use one of these formats instead: {format}.": "日期格式错误,应为 {format}",
    "Datetime has wrong format. Use one of these formats instead: {format}.": "时间格式错误,应为 {format}",
    "Expected a date but got a datetime.": "必须是日期,不能带时间",
    "Expected a datetime but got a date.": "必须是日期时间,不能只有日期",
    "Datetime value out of range.": "时间超出范围",
    # lists and objects
    'Expected a list of items but got type "{input_type}".': "必须是数组",
    "This list may not be empty.": "不能为空数组",
    "Ensure this field has at least {min_length} elements.": "至少包含 {min_length} 个元素",
    "Ensure this field has no more than {max_length} elements.": "不能超过 {max_length} 个元素",
    'Expected a dictionary of items but got type "{input_type}".': "必须是 JSON 对象",
    "This dictionary may not be empty.": "不能为空对象",
    "Invalid data. Expected a dictionary, but got {datatype}.": "必须是 JSON 对象",
    "Value must be valid JSON.": "必须是合法的 JSON",
}

# DRF's answer to a body that is JSON `null`: never translated, and coded "null" as if a field
# were missing. It is a body of the wrong type, like `[]` or `5`.
NO_DATA = "No data provided"
NOT_AN_OBJECT_BODY = "请求体必须是 JSON 对象"

# DRF's own details of the exceptions it raises itself (405, 415, 406, 429): a style that keeps
# exception messages keeps the service's, never these.
# Throttled joins two messages, each translated on its own.
_EXCEPTION_DETAILS = (
    ('Method "{method}" not allowed.',),
    ('Unsupported media type "{media_type}" in request.',),
    ("Could not satisfy the request Accept header.",),
    ("Request was throttled.",),
    ("Request was throttled.", "Expected available in {wait} second."),
    ("Request was throttled.", "Expected available in {wait} seconds."),
)

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _pattern(template: str) -> re.Pattern:
    parts, last = [], 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[last:match.start()]))
        parts.append(f"(?P<{match.group(1)}>.*?)")
        last = match.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts), re.DOTALL)


def _both_languages(*msgids: str) -> set[str]:
    """The message (several joined by a space, as DRF joins them) in English and in DRF's zh-hans."""
    with override("zh-hans"):
        translated = " ".join(gettext(msgid) for msgid in msgids)
    return {" ".join(msgids), translated}


@lru_cache(maxsize=1)
def _catalog() -> list[tuple[re.Pattern, str]]:
    return [(_pattern(text), ours) for msgid, ours in CHINESE.items() for text in _both_languages(msgid)]


@lru_cache(maxsize=1)
def _exception_details() -> list[re.Pattern]:
    return [_pattern(text) for msgids in _EXCEPTION_DETAILS for text in _both_languages(*msgids)]


def in_chinese(error: styles.FieldError) -> styles.FieldError:
    """`error` with DRF's wording (English or DRF's translation) replaced by the service's Chinese."""
    if error.reason == NO_DATA:
        return styles.FieldError(error.field, NOT_AN_OBJECT_BODY, "invalid")
    for pattern, ours in _catalog():
        match = pattern.fullmatch(error.reason)
        if match:
            reason = ours.format(**match.groupdict())
            if error.field == BODY and ours == CHINESE["Invalid data. Expected a dictionary, but got {datatype}."]:
                reason = NOT_AN_OBJECT_BODY
            return styles.FieldError(error.field, reason, error.code)
    return error


def is_drf_exception_detail(text: str) -> bool:
    """Whether `text` is the detail DRF itself gives a 405, 406, 415 or 429 (in English or translated)."""
    return any(pattern.fullmatch(text) for pattern in _exception_details())
