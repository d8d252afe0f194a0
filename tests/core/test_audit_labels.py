"""The audit log page shows every action by its Chinese name, never its stored code."""

from django.utils import translation

from linli.common.models import AuditAction


def test_every_audit_action_has_a_chinese_label():
    with translation.override("zh-hans"):
        labels = {action.value: str(action.label) for action in AuditAction}
    untranslated = {code: label for code, label in labels.items()
                    if label.isascii() or label == code}
    assert not untranslated
    assert labels["registry_import"] == "花名册导入保存"
