"""Activity points used to go straight to the ledger (key `activity-points:<attendance uuid>`),
bypassing the points service: no award row, so rankings missed them and caps did not apply.
Activities now credit through `linli.points.services.award_for_source`. This migration writes
the missing `points.Award` rows for the transfers already made, pointing each at its existing
transfer: no value moves (no transfer is created), the ledger stays as it is.

A transfer that was since reversed gets no award row (the points were taken back). Running it
again adds nothing (an award per rule and source, or per transfer, is left alone)."""

from django.db import migrations

OLD_KEY_PREFIX = "activity-points:"
RULE_CODE = "activity_attendance"


def create_missing_awards(apps, schema_editor=None) -> int:
    Transfer = apps.get_model("ledger", "Transfer")
    Attendance = apps.get_model("activities", "Attendance")
    AwardRule = apps.get_model("points", "AwardRule")
    Award = apps.get_model("points", "Award")

    made = 0
    transfers = Transfer.objects.filter(idempotency_key__startswith=OLD_KEY_PREFIX,
                                        reversal_of__isnull=True).order_by("id")
    for transfer in transfers:
        if Transfer.objects.filter(reversal_of=transfer).exists():
            continue
        if Award.objects.filter(transfer=transfer).exists():
            continue
        attendance_uuid = transfer.idempotency_key[len(OLD_KEY_PREFIX):]
        attendance = (Attendance.objects.filter(uuid=attendance_uuid)
                      .select_related("resident__household").first())
        household = transfer.credit.household if transfer.credit.household_id else None
        if household is None and attendance is not None and attendance.resident_id:
            household = attendance.resident.household
        if household is None:
            continue
        rule = AwardRule.objects.filter(community_id=household.community_id,
                                        code=RULE_CODE).first()
        if rule is None:
            rule = AwardRule.objects.create(
                community_id=household.community_id, code=RULE_CODE, title="参加社区活动",
                points_per_unit=1, unit_label="分")
        source = f"attendance:{attendance_uuid}"[:50]
        if Award.objects.filter(rule=rule, source_reference=source).exists():
            continue
        resident_id = None
        if attendance is not None and attendance.resident_id and (
                attendance.resident.household_id == household.pk):
            resident_id = attendance.resident_id
        award = Award.objects.create(
            rule=rule, household=household, resident_id=resident_id, source_reference=source,
            quantity=transfer.amount, points=transfer.amount, transfer=transfer,
            actor_id=transfer.actor_id)
        # Rankings and caps count awards by the month they were earned.
        Award.objects.filter(pk=award.pk).update(created_at=transfer.created_at)
        made += 1
    return made


class Migration(migrations.Migration):

    dependencies = [
        ("activities", "0002_drop_notice_use_inbox"),
        ("ledger", "0002_transfer_append_only_trigger"),
        ("points", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_missing_awards, migrations.RunPython.noop),
    ]
