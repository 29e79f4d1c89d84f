"""Partner apps (who may call the partner API) and their purchase intents (seed 001, contract §4)."""
from __future__ import annotations

import hashlib
import ipaddress
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from core.timeutil import local_display


def generate_app_id() -> str:
    return f"app_{secrets.token_hex(8)}"


def generate_intent_id() -> str:
    # 96 random bits: ids cannot be guessed or enumerated across apps.
    return f"intent_{secrets.token_hex(12)}"


def default_qps() -> int:
    return settings.PARTNER_DEFAULT_QPS


def parse_ip_whitelist(text: str) -> list[str]:
    """Entries separated by commas, spaces or new lines; each an IP or a CIDR. Raises ValidationError."""
    entries = [part for part in text.replace(",", " ").split() if part]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValidationError(f"不是 IP 或 CIDR: {entry}")
    return entries


class PartnerApp(models.Model):
    """
    A partner application. Its secrets are stored encrypted (core.secretbox) and
    never shown after creation or rotation; a rotated-out secret keeps verifying
    until `previous_secret_expires_at`.
    """

    app_id = models.CharField(
        "App ID", max_length=64, unique=True, default=generate_app_id,
        help_text="合作方签名时放在 X-App-Id 中的应用标识;创建后不能修改。",
    )
    name = models.CharField("名称", max_length=100)
    secret_encrypted = models.TextField("密钥(加密)", editable=False)
    previous_secret_encrypted = models.TextField("上一个密钥(加密)", blank=True, default="", editable=False)
    previous_secret_expires_at = models.DateTimeField(
        "上一个密钥有效至", null=True, blank=True,
        help_text="轮换密钥后,旧密钥在此时间之前仍可验签;为空表示没有仍有效的旧密钥。",
    )
    ip_whitelist = models.TextField(
        "IP 白名单", blank=True, default="",
        help_text="IP 或 CIDR,以逗号、空格或换行分隔;留空则允许任何地址。",
    )
    qps_limit = models.PositiveIntegerField("QPS 上限", default=default_qps, help_text="该应用每秒最多的请求数。")
    is_active = models.BooleanField("启用", default=True, help_text="停用后,该应用的每个请求都被拒绝(40302)。")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["app_id"]
        verbose_name = "合作方应用"
        verbose_name_plural = "合作方应用"

    def __str__(self):
        return f"{self.name} ({self.app_id})"

    def clean(self):
        try:
            self.ip_whitelist = "\n".join(parse_ip_whitelist(self.ip_whitelist))
        except ValidationError as exc:
            raise ValidationError({"ip_whitelist": exc.messages})
        if self.qps_limit < 1:
            raise ValidationError({"qps_limit": "至少为 1"})

    @property
    def ip_whitelist_entries(self) -> list[str]:
        return [part for part in self.ip_whitelist.replace(",", " ").split() if part]


# Labels keep the wire value readable next to its Chinese name; the API answers values only.
class Platform(models.TextChoices):
    TAOBAO = "TAOBAO", "TAOBAO(淘宝)"
    TMALL = "TMALL", "TMALL(天猫)"
    JD = "JD", "JD(京东)"
    PDD = "PDD", "PDD(拼多多)"
    ALIBABA_1688 = "ALIBABA_1688", "ALIBABA_1688(1688)"
    OTHER = "OTHER", "OTHER(其他)"


class IntentStatus(models.TextChoices):
    SUBMITTED = "SUBMITTED", "SUBMITTED(已提交)"
    PROCESSING = "PROCESSING", "PROCESSING(处理中)"
    COMPLETED = "COMPLETED", "COMPLETED(已完成)"
    FAILED = "FAILED", "FAILED(已失败)"
    CANCELLED = "CANCELLED", "CANCELLED(已取消)"


ACTIVE_STATUSES = (IntentStatus.SUBMITTED, IntentStatus.PROCESSING)
FINAL_STATUSES = (IntentStatus.COMPLETED, IntentStatus.FAILED, IntentStatus.CANCELLED)
STATUS_MOVES = {
    IntentStatus.SUBMITTED: {IntentStatus.PROCESSING, IntentStatus.CANCELLED},
    IntentStatus.PROCESSING: {IntentStatus.COMPLETED, IntentStatus.FAILED, IntentStatus.CANCELLED},
    IntentStatus.COMPLETED: set(),
    IntentStatus.FAILED: set(),
    IntentStatus.CANCELLED: set(),
}


def url_digest(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


class Intent(models.Model):
    """A purchase intent an app submitted for one of its users."""

    id = models.CharField("意向 ID", primary_key=True, max_length=40, default=generate_intent_id, editable=False)
    app = models.ForeignKey(PartnerApp, on_delete=models.PROTECT, related_name="intents", verbose_name="应用",
                            help_text="提交该意向的合作方应用;创建后不能修改。")
    user_id = models.CharField("用户 ID", max_length=64, help_text="合作方自己的用户标识(userId)。")
    platform = models.CharField("平台", max_length=16, choices=Platform.choices)
    product_url = models.CharField("商品链接", max_length=2048, help_text="http 或 https 地址。")
    # The duplicate rule's unique index is on this digest: a 2,048-character URL can
    # exceed PostgreSQL's btree entry size, its SHA-256 never does.
    product_url_digest = models.CharField(
        "商品链接摘要", max_length=64, editable=False,
        help_text="商品链接的 SHA-256,重复规则和按链接搜索都用它。",
    )
    title = models.CharField("标题", max_length=200, null=True, blank=True)
    price = models.DecimalField("价格", max_digits=12, decimal_places=2, null=True, blank=True,
                                help_text="大于 0,最多两位小数;可留空。")
    quantity = models.PositiveIntegerField("数量", default=1, help_text="至少为 1。")
    remark = models.CharField("备注", max_length=500, null=True, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=IntentStatus.choices, default=IntentStatus.SUBMITTED,
        help_text="新意向总是 SUBMITTED;SUBMITTED 可变为 PROCESSING 或 CANCELLED,PROCESSING 可变为 "
                  "COMPLETED、FAILED 或 CANCELLED;终态不能再改。",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        # Every list query is per app: each filter and sort has an index led by the app.
        indexes = [
            models.Index(fields=["app", "created_at"], name="intent_app_created"),
            models.Index(fields=["app", "updated_at"], name="intent_app_updated"),
            models.Index(fields=["app", "price"], name="intent_app_price"),
            models.Index(fields=["app", "status", "created_at"], name="intent_app_status_created"),
            models.Index(fields=["app", "platform", "created_at"], name="intent_app_platform_created"),
            models.Index(fields=["app", "user_id", "created_at"], name="intent_app_user_created"),
            models.Index(fields=["app", "title"], name="intent_app_title"),
            # The admin lists every app's intents (IntentAdmin): its default order, filters and searches.
            # (Its title search also has a trigram index on PostgreSQL, migration 0003.)
            models.Index(fields=["created_at", "id"], name="intent_created_id"),
            models.Index(fields=["status", "created_at", "id"], name="intent_status_created_id"),
            models.Index(fields=["platform", "created_at", "id"], name="intent_platform_created_id"),
            models.Index(fields=["user_id"], name="intent_user"),
            models.Index(fields=["product_url_digest"], name="intent_url_digest"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["app", "user_id", "product_url_digest"],
                condition=Q(status__in=["SUBMITTED", "PROCESSING"]),
                name="intent_one_active_per_user_url",
            ),
            models.CheckConstraint(condition=Q(price__isnull=True) | Q(price__gt=0), name="intent_price_positive"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="intent_quantity_positive"),
        ]
        ordering = ["-created_at"]
        verbose_name = "采购意向"
        verbose_name_plural = "采购意向"

    def __str__(self):
        # The admin's title of the intent: its creation time in the operator's clock, as the fields show it.
        return f"{self.id} ({local_display(self.created_at)})"

    def save(self, *args, **kwargs):
        self.product_url_digest = url_digest(self.product_url)
        super().save(*args, **kwargs)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES
