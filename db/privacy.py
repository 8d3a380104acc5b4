"""Personal data shown to others: names and phones masked (DESIGN.md §3). The real values are kept; rankings,
exports, screens and anything others see show these forms."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from db.auth import CurrentUser


def mask_name(name: str | None) -> str:
    """张三 → 张*，张小明 → 张*明，欧阳小明 → 欧**明 (names are kept but shown masked)."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str:
    """13812345678 → 138****5678; a short number is starred out; none → —."""
    phone = (phone or "").strip()
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:] if len(phone) > 7 else phone[:3] + "****"
    return "—" if not phone else "*" * len(phone)


def phone_tail(phone: str | None) -> str:
    """The last four digits, to tell namesakes apart: 尾号5678 (尾号---- when there is no phone)."""
    return f"尾号{(phone or '----')[-4:]}"


def sees_real_names(user: CurrentUser | None) -> bool:
    """Who sees the real names of the people in the records of their own scope: staff and admins, who enter,
    correct, review and certify those records — in the entry pickers (with the phone tail to tell namesakes apart),
    the review lists and the drill-downs and their exports. Leaders, kiosks, nobody logged in, and every screen
    others see (rankings, the 大屏, the 简报) get the masked forms above."""
    return user is not None and user.may_write
