"""Server-clock helpers shared by the presence services and selectors."""
from datetime import UTC, datetime


def to_ms(moment: datetime) -> int:
    """An aware datetime as Unix milliseconds."""
    return int(moment.timestamp() * 1000)


def floor_to(moment: datetime, seconds: int) -> datetime:
    """`moment` rounded down to a multiple of `seconds` since the Unix epoch (UTC)."""
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def ceil_to(moment: datetime, seconds: int) -> datetime:
    """`moment` rounded up to a multiple of `seconds` since the Unix epoch (UTC)."""
    floored = floor_to(moment, seconds)
    if floored == moment:
        return floored
    return datetime.fromtimestamp(int(floored.timestamp()) + seconds, UTC)
