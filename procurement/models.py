"""Partner apps (who may call the partner API) and their purchase intents (seed 001, contract §4)."""
from __future__ import annotations

import hashlib
import ipaddress
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


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

    app_id = models.CharField("App ID", max_length=64, unique=True, default=generate_app_id)
    name = models.CharField(max_length=100)
    secret_encrypted = models.TextField(editable=False)
    previous_secret_encrypted = models.TextField(blank=True, default="", editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    ip_whitelist = models.TextField(
        blank=True, default="",
        help_text="IPs or CIDRs separated by commas or new lines; empty allows any address.",
    )
    qps_limit = models.PositiveIntegerField("QPS limit", default=default_qps)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["app_id"]
        verbose_name = "partner app"

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


class Platform(models.TextChoices):
    TAOBAO = "TAOBAO"
    TMALL = "TMALL"
    JD = "JD"
    PDD = "PDD"
    ALIBABA_1688 = "ALIBABA_1688"
    OTHER = "OTHER"


class IntentStatus(models.TextChoices):
    SUBMITTED = "SUBMITTED"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


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

    id = models.CharField(primary_key=True, max_length=40, default=generate_intent_id, editable=False)
    app = models.ForeignKey(PartnerApp, on_delete=models.PROTECT, related_name="intents")
    user_id = models.CharField(max_length=64)
    platform = models.CharField(max_length=16, choices=Platform.choices)
    product_url = models.CharField(max_length=2048)
    # The duplicate rule's unique index is on this digest: a 2,048-character URL can
    # exceed PostgreSQL's btree entry size, its SHA-256 never does.
    product_url_digest = models.CharField(max_length=64, editable=False)
    title = models.CharField(max_length=200, null=True, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    remark = models.CharField(max_length=500, null=True, blank=True)
    status = models.CharField(max_length=16, choices=IntentStatus.choices, default=IntentStatus.SUBMITTED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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

    def __str__(self):
        return self.id

    def save(self, *args, **kwargs):
        self.product_url_digest = url_digest(self.product_url)
        super().save(*args, **kwargs)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES
