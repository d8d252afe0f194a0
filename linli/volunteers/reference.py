"""Reference rows of the volunteers app: the default skills dispatch matches on.

Loaded by `linli.common.reference.reference_data_load` after every migrate (and after a test
flush). The table is the one source: a default skill missing from a database is created, one
whose name or place in the list changed here is brought up to date; a skill added under
another code is never touched.
"""

from __future__ import annotations

from linli.volunteers.models import Skill

#: (code, name), in the order they are offered.
DEFAULT_SKILLS = [
    ("haircut", "理发"), ("repair", "家电维修"), ("cleaning", "保洁"), ("companion", "陪伴聊天"),
    ("shopping", "代购代办"), ("meal", "送餐"), ("medical", "医疗护理"), ("legal", "法律咨询"),
    ("counselling", "心理疏导"), ("tutoring", "辅导功课"), ("culture", "文艺表演"),
    ("computer", "手机电脑教学"), ("driving", "驾驶接送"), ("policy", "政策宣传"),
]


def load() -> None:
    """Idempotent: with the rows in place it reads once and writes nothing."""
    existing = {s.code: s for s in Skill.objects.filter(
        code__in=[code for code, _name in DEFAULT_SKILLS])}
    for order, (code, name) in enumerate(DEFAULT_SKILLS):
        skill = existing.get(code)
        if skill is None:
            # get_or_create: a concurrent migrate that created it first is not an error
            Skill.objects.get_or_create(code=code, defaults={"name": name, "order": order})
        elif (skill.name, skill.order) != (name, order):
            Skill.objects.filter(pk=skill.pk).update(name=name, order=order)
