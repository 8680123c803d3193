"""Every kind of notification the code sends has words and a link, so no
reader ever sees a raw code like "membership.accepted"."""

import re
from pathlib import Path

from marketplace.notifications import messages
from marketplace.notifications.models import Notification

ROOT = Path(__file__).resolve().parent.parent / "marketplace"
SENT = re.compile(r'notify\([^,()]+,\s*"([a-z_.]+)"')
# Built from a variable in enrollments/services.py (_tell_resident).
ENROLLMENT_KINDS = {"enrollment.confirmed", "enrollment.waitlisted", "enrollment.declined",
                    "enrollment.promoted", "enrollment.completed", "service.cancelled"}


def _sent_kinds() -> set[str]:
    kinds = set()
    for path in ROOT.rglob("*.py"):
        kinds.update(SENT.findall(path.read_text(encoding="utf-8")))
    return kinds


def test_every_kind_sent_has_a_text():
    sent = _sent_kinds() | ENROLLMENT_KINDS
    assert len(sent) > 20
    assert sorted(sent - set(messages.TEXTS)) == []


PARAMS = {
    "membership.requested": {"member": "王建国", "branch_name": "湖墅社区党支部",
                             "branch_id": 7, "membership_id": 3},
    "membership.refused": {"branch_name": "湖墅社区党支部", "reason": "不在本社区"},
    "membership.role_changed": {"branch_name": "湖墅社区党支部", "role": "lead"},
    "branch.retired": {"branch_name": "甲支部", "successor_name": "乙支部"},
    "hour_report.created": {"volunteer": "王建国", "report_id": 5},
    "hour_report.corrected": {"hours": 2.5},
}


def test_new_kinds_render_in_chinese_with_a_link(app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        for kind, params in PARAMS.items():
            note = Notification(user_id=1, kind=kind, params=params)
            shown = messages.text(note)
            assert shown != kind and re.search(r"[\u4e00-\u9fff]", shown), (kind, shown)
            assert messages.link(note), kind
