"""The intents resource's error reasons (the business codes themselves are core.codes.PartnerCode)."""
from enum import Enum


class IntentReason(str, Enum):
    PRICE_NOT_POSITIVE = "价格必须大于0"
    URL_SCHEME = "商品链接必须是 http 或 https 地址"
    DUPLICATE = "该用户对该商品已有进行中的采购意向"
    BAD_STATUS_MOVE = "状态不能从 {current} 变为 {target}"
    FINAL_IS_READ_ONLY = "采购意向已是终态 {current},除状态外的字段不能修改"

    def format(self, **kwargs) -> str:  # noqa: A003 - reads as the message template it is
        return self.value.format(**kwargs)
