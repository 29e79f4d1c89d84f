"""
What the OpenAPI document says about the partner intent operations (read by
`core.schema_examples`): user-facing texts and the errors each operation adds to
the partner style's own. Codes and reasons come from the tables the service
answers from (core.codes, procurement.errors).
"""
from core.codes import PartnerCode as C
from procurement.errors import IntentReason

_SIGNING = ("每个请求都需带上 X-App-Id、X-Timestamp(毫秒)和 X-Signature "
            "(HMAC-SHA256(appSecret, METHOD + PATH + TIMESTAMP + BODY) 的十六进制),见合作方接入指南。")

_DUPLICATE = (C.ALREADY_EXISTS, C.ALREADY_EXISTS.message,
              {"id": "intent_3q9k2m7x8p1z", "field": "productUrl", "reason": IntentReason.DUPLICATE.value})
_BAD_MOVE = (C.STATE_CONFLICT, C.STATE_CONFLICT.message,
             {"field": "status", "reason": IntentReason.BAD_STATUS_MOVE.format(current="COMPLETED", target="PROCESSING"),
              "status": "COMPLETED", "allowedStatuses": []})
_FINAL = (C.STATE_CONFLICT, C.STATE_CONFLICT.message,
          {"field": "status", "reason": IntentReason.FINAL_IS_READ_ONLY.format(current="CANCELLED"),
           "status": "CANCELLED", "allowedStatuses": []})
_NOT_FOUND = (C.NOT_FOUND, C.NOT_FOUND.message, None)
_UPDATE = ("只修改请求体中给出的字段;状态只能按 SUBMITTED → PROCESSING/CANCELLED、"
           "PROCESSING → COMPLETED/FAILED/CANCELLED 变化,终态(COMPLETED、FAILED、CANCELLED)"
           "除状态外的字段不能再改,否则返回 409/40902。其他应用的采购意向返回 404/40401。")

OPERATIONS = {
    "intents_list": {
        "summary": "查询采购意向列表 (List intents)",
        "description": "分页列出本应用创建的采购意向。支持 page、pageSize(默认 20,最多 100)、"
        "sortBy(createdAt、updatedAt、price、status)与 sortOrder,filter[字段]、[in]、[gte]、[lte]、[like] 过滤,"
        "startTime/endTime 按创建时间过滤,fields= 只返回所列字段。未知的参数、字段或运算符返回 400/40003。" + _SIGNING,
    },
    "intents_create": {
        "summary": "创建采购意向 (Create an intent)",
        "description": "创建一条采购意向,状态为 SUBMITTED,返回 201。同一应用、同一 userId 与 productUrl "
        "已有 SUBMITTED 或 PROCESSING 的意向时返回 409/40901,data.id 为已有意向的 ID。" + _SIGNING,
        "errors": {"409": [_DUPLICATE]},
    },
    "intents_read": {
        "summary": "查询采购意向详情 (Read an intent)",
        "description": "按 ID 返回一条本应用的采购意向;fields= 只返回所列字段。不存在或属于其他应用时返回 404/40401。"
        + _SIGNING,
        "errors": {"404": [_NOT_FOUND]},
    },
    "intents_update": {
        "summary": "更新采购意向 (Update an intent)",
        "description": "与 PATCH 相同:" + _UPDATE + _SIGNING,
        "errors": {"404": [_NOT_FOUND], "409": [_BAD_MOVE, _FINAL, _DUPLICATE]},
    },
    "intents_partial_update": {
        "summary": "部分更新采购意向 (Partially update an intent)",
        "description": _UPDATE + _SIGNING,
        "errors": {"404": [_NOT_FOUND], "409": [_BAD_MOVE, _FINAL, _DUPLICATE]},
    },
    "intents_delete": {
        "summary": "删除采购意向 (Delete an intent)",
        "description": "删除一条本应用的采购意向,成功返回 204 且无响应体;之后再访问返回 404/40401。" + _SIGNING,
        "errors": {"404": [_NOT_FOUND]},
    },
}
