"""`fields=` selection for the partner surface (seed 001 "字段选择"): sparse items by wire name."""
from __future__ import annotations

from collections.abc import Sequence

from core.filters import invalid


def parse_fields(value: str | None, allowed: Sequence[str]) -> list[str] | None:
    """
    `id,status,createdAt` → ["id", "status", "createdAt"] in the order asked (duplicates
    dropped); None when absent. An unknown name → 400/40003 naming it.
    """
    if value is None:
        return None
    chosen: list[str] = []
    for name in (part.strip() for part in value.split(",")):
        if not name:
            raise invalid("fields", "字段名不能为空")
        if name not in allowed:
            raise invalid("fields", f"不支持的字段: {name[:64]},可选: {', '.join(allowed)}")
        if name not in chosen:
            chosen.append(name)
    return chosen
