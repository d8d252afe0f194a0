from django.db import migrations

SKILLS = [
    ("haircut", "理发"), ("repair", "家电维修"), ("cleaning", "保洁"), ("companion", "陪伴聊天"),
    ("shopping", "代购代办"), ("meal", "送餐"), ("medical", "医疗护理"), ("legal", "法律咨询"),
    ("counselling", "心理疏导"), ("tutoring", "辅导功课"), ("culture", "文艺表演"),
    ("computer", "手机电脑教学"), ("driving", "驾驶接送"), ("policy", "政策宣传"),
]


def add_skills(apps, schema_editor):
    Skill = apps.get_model("volunteers", "Skill")
    for order, (code, name) in enumerate(SKILLS):
        Skill.objects.get_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]

    operations = [migrations.RunPython(add_skills, migrations.RunPython.noop)]
