"""Writes for activities (the services every page, API operation and task calls), by
sub-domain:

- `lifecycle`: create, edit, publish, start, cancel, end, summarise, people served;
- `signups`: sign-up, cancelling, the waiting list and its promotion;
- `eligibility`: who an activity is for;
- `attendance`: check-in codes and tickets, staff check-in, walk-ins, check-out;
- `credits`: points and served minutes after an activity;
- `photos`: cover and activity photos;
- `classes`: culture classes, sessions, enrolment, attendance;
- `notices`: in-app notices to the people concerned.

Callers import from `linli.activities.services`; the names below are its public face (the
helpers the sub-modules share among themselves are not).
"""

from __future__ import annotations

from linli.activities.services.attendance import (
    CHECKIN_MAX_AGE_SECONDS,
    CHECKIN_OPENS_BEFORE,
    CHECKIN_ROTATE_SECONDS,
    CHECKIN_SALT,
    TICKET_SALT,
    attendance_checkout,
    checkin_by_staff,
    checkin_by_ticket,
    checkin_record,
    checkin_token,
    checkin_token_verify,
    ticket_signup,
    ticket_token,
    walkin_record,
)
from linli.activities.services.classes import (
    class_create,
    class_follow_set,
    class_sessions_generate,
    enrolment_create,
    enrolment_withdraw,
    session_attendance_set,
    session_cancel,
    session_dates,
)
from linli.activities.services.credits import (
    activity_credit,
    attendance_credit,
)
from linli.activities.services.lifecycle import (
    ACTIVITY_FIELDS,
    activity_beneficiaries_set,
    activity_cancel,
    activity_create,
    activity_end,
    activity_publish,
    activity_start,
    activity_summarise,
    activity_update,
)
from linli.activities.services.notices import (
    notice_send,
)
from linli.activities.services.photos import (
    IMAGE_FORMATS,
    MAX_IMAGE_BYTES,
    MAX_PHOTOS,
    activity_photo_add,
    image_prepare,
    image_validate,
)
from linli.activities.services.signups import (
    signup_cancel,
    signup_create,
)

__all__ = [
    "ACTIVITY_FIELDS",
    "CHECKIN_MAX_AGE_SECONDS",
    "CHECKIN_OPENS_BEFORE",
    "CHECKIN_ROTATE_SECONDS",
    "CHECKIN_SALT",
    "IMAGE_FORMATS",
    "MAX_IMAGE_BYTES",
    "MAX_PHOTOS",
    "TICKET_SALT",
    "activity_beneficiaries_set",
    "activity_cancel",
    "activity_create",
    "activity_credit",
    "activity_end",
    "activity_photo_add",
    "activity_publish",
    "activity_start",
    "activity_summarise",
    "activity_update",
    "attendance_checkout",
    "attendance_credit",
    "checkin_by_staff",
    "checkin_by_ticket",
    "checkin_record",
    "checkin_token",
    "checkin_token_verify",
    "class_create",
    "class_follow_set",
    "class_sessions_generate",
    "enrolment_create",
    "enrolment_withdraw",
    "image_prepare",
    "image_validate",
    "notice_send",
    "session_attendance_set",
    "session_cancel",
    "session_dates",
    "signup_cancel",
    "signup_create",
    "ticket_signup",
    "ticket_token",
    "walkin_record",
]
