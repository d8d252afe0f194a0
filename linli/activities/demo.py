"""Demo activities: the six classes of 紫轩社区's residents' culture garden and a month of
varied activities in every community (past ones closed with the organiser's head count).
Idempotent: a community that already has activities or a class of that name is left alone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from linli.activities import services
from linli.activities.models import Activity, CultureClass
from linli.activities.states import ACTIVITY_MACHINE

CLASSES = [
    # name, teacher, weekdays, start, end, place
    ("舞蹈队", "周丽萍", [0, 3], time(8, 30), time(10, 0), "居民文化苑多功能厅"),
    ("声乐队", "陈建华", [1, 4], time(15, 0), time(16, 30), "居民文化苑音乐室"),
    ("剪纸班", "王秀英", [2], time(9, 0), time(10, 30), "居民文化苑手工坊"),
    ("书法研讨班", "李墨林", [1, 5], time(9, 0), time(11, 0), "居民文化苑书画室"),
    ("手工编织班", "张桂芬", [3], time(14, 30), time(16, 0), "居民文化苑手工坊"),
    ("曲艺班", "刘德顺", [6], time(15, 0), time(17, 0), "居民文化苑多功能厅"),
]

ACTIVITIES = [
    # title, kind, organiser, place, audience, hour, hours, capacity, points, volunteers
    ("长者生日会", "festival", "文艺体育志愿服务队", "社区活动室", "elders", 15, 2, 40, 5, 4),
    ("趣味运动会", "sports", "文艺体育志愿服务队", "社区广场", "all", 9, 3, 80, 5, 6),
    ("微党课：新时代文明实践", "party", "社区党委", "党群服务中心", "party_members", 19, 1, 60, 3, 0),
    ("义诊与健康讲座", "health", "卫生健康志愿服务队", "社区卫生服务站", "all", 9, 2, 50, 3, 3),
    ("政策宣传进小区", "practice", "政策宣传志愿服务队", "小区中心花园", "all", 10, 2, 100, 2, 4),
    ("爱心理发", "volunteer", "技术技能志愿服务队", "社区活动室", "elders", 9, 3, 30, 2, 3),
    ("希望小课堂", "culture", "希望小课堂志愿服务队", "居民文化苑二楼", "children", 15, 2, 25, 3, 2),
    ("垃圾分类我先行", "practice", "环保志愿服务队", "社区广场", "all", 9, 2, 60, 4, 4),
    ("法律咨询进社区", "practice", "法律援助志愿服务队", "党群服务中心", "all", 14, 2, 40, 2, 2),
    ("邻里百家宴", "festival", "社区居委会", "社区广场", "all", 11, 3, 120, 5, 8),
]


def _aware(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _classes(community, today: date) -> int:
    made = 0
    term_start = today.replace(day=1)
    term_end = term_start + timedelta(days=120)
    term = f"{term_start.year}年{'春季' if term_start.month < 7 else '秋季'}"
    for name, teacher, weekdays, start, end, place in CLASSES:
        if CultureClass.objects.filter(community=community, name=name).exists():
            continue
        services.class_create(
            community=community, actor=None, name=name, teacher_name=teacher, place=place,
            weekdays=weekdays, start_time=start, end_time=end, term_name=term,
            term_start=term_start, term_end=term_end, capacity=40,
            description=f"{name}免费向辖区居民开放，{teacher}老师授课，欢迎报名。")
        made += 1
    return made


def _activities(community, today: date, offset: int) -> int:
    if Activity.objects.filter(community=community).exists():
        return 0
    made = 0
    for i, day in enumerate(range(-14, 17, 2)):
        title, kind, organiser, place, audience, hour, hours, cap, points, vols = ACTIVITIES[
            (i + offset) % len(ACTIVITIES)]
        the_day = today + timedelta(days=day)
        starts = _aware(the_day, hour)
        ends = starts + timedelta(hours=hours)
        activity = services.activity_create(
            community=community, actor=None, title=title, kind=kind, organiser=organiser,
            place=place, audience=audience, starts_at=starts, ends_at=ends,
            signup_opens_at=starts - timedelta(days=10), signup_closes_at=starts,
            capacity=cap, points=points, volunteers_needed=vols,
            description=f"{community.name}{title}，欢迎居民踊跃参加。")
        if ends < timezone.now():
            # Held before this system: closed with the organiser's head count from the
            # paper register, so person-times served are on record.
            ACTIVITY_MACHINE.move(activity, "record_held", actor=None, note="纸质签到台账补录",
                                  attendance_closed_at=ends)
            services.activity_beneficiaries_set(
                activity=activity, actor=None, count=cap * 3 // 4,
                reason="纸质签到台账补录（含上门服务对象）")
        elif day < 10:
            services.activity_publish(activity=activity, actor=None)
        made += 1
    return made


def load(*, stdout=None, street=None, communities=(), **context) -> dict:
    today = timezone.localdate()
    classes = activities = 0
    for offset, community in enumerate(communities):
        if community.name == "紫轩社区":
            classes += _classes(community, today)
        activities += _activities(community, today, offset * 3)
    if stdout is not None:
        stdout.write(f"Activities: {activities} activities, {classes} culture classes.")
    return {}
