"""Reads of the accounts app."""
from dataclasses import dataclass
import math

from django.db.models import Q, QuerySet

from accounts.models import StatusChangeBatch, User
from core.rowreader import RowReader


def user_get(*, user_id: int) -> User | None:
    """The user with this id, or None."""
    return User.objects.filter(pk=user_id).first()


_request_user = RowReader(User, "pk")


def user_get_for_request(*, user_id: int) -> User | None:
    """
    The user with this id, read for authenticating a request: one primary-key
    SELECT through a plain cursor with the ORM's converters (`core.rowreader`),
    since every JWT request takes this path.
    """
    return _request_user.get(user_id)


def user_find_for_login(*, identifier: str) -> User | None:
    """
    The user whose username, email or phone is `identifier` (002: login takes any of
    the three). Usernames can be neither emails nor phone numbers (registration
    refuses both shapes), so at most one user matches an identifier of a given
    shape; a username match still wins should older data disagree. Each branch is
    a unique-index lookup.
    """
    identifier = identifier.strip()
    query = Q(username=identifier) | Q(phone=identifier)
    if "@" in identifier:
        query |= Q(email=identifier.lower())
    candidates = list(User.objects.filter(query)[:3])
    for matches in (
        lambda u: u.username == identifier,
        lambda u: u.email is not None and u.email == identifier.lower(),
        lambda u: u.phone == identifier,
    ):
        for user in candidates:
            if matches(user):
                return user
    return None


@dataclass(frozen=True)
class UserPage:
    users: list[User]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.page_size) if self.total else 0


def user_search(*, keyword: str = "", user_type: str = "", page: int = 1, page_size: int = 10) -> UserPage:
    """
    Users whose username, nickname, email or phone contains `keyword` (case-insensitive),
    optionally of one user_type; newest first (by id, the primary key). Two queries: count, page.
    """
    queryset: QuerySet[User] = User.objects.all()
    keyword = keyword.strip()
    if keyword:
        queryset = queryset.filter(
            Q(username__icontains=keyword) | Q(nickname__icontains=keyword)
            | Q(email__icontains=keyword) | Q(phone__icontains=keyword)
        )
    if user_type:
        queryset = queryset.filter(user_type=user_type)
    total = queryset.count()
    offset = (page - 1) * page_size
    users = list(queryset.order_by("-id")[offset:offset + page_size]) if offset < total else []
    return UserPage(users=users, total=total, page=page, page_size=page_size)


def user_ids_for_usernames(*, usernames: list[str]) -> tuple[dict[str, int], list[str]]:
    """({username: id} for those that exist, [usernames that do not]), in one query per 1,000 names."""
    found: dict[str, int] = {}
    unique = list(dict.fromkeys(usernames))
    for start in range(0, len(unique), 1000):
        chunk = unique[start:start + 1000]
        found.update(User.objects.filter(username__in=chunk).values_list("username", "pk"))
    return found, [name for name in unique if name not in found]


def existing_user_ids(*, user_ids: list[int]) -> set[int]:
    """Which of these ids name a user, one query per 1,000 ids."""
    found: set[int] = set()
    for start in range(0, len(user_ids), 1000):
        found.update(User.objects.filter(pk__in=user_ids[start:start + 1000]).values_list("pk", flat=True))
    return found


def status_change_batches() -> QuerySet[StatusChangeBatch]:
    """The batch-change records, newest first."""
    return StatusChangeBatch.objects.select_related("actor").order_by("-created_at", "-id")
