"""The door-plate household home shows the community's upcoming activities with a 报名 button
(`{% load activities_door %}{% door_activities household %}` in registry/door.html), so the
registry app needs no knowledge of activities."""

from django import template

from linli.activities import selectors

register = template.Library()


@register.inclusion_tag("activities/_door_activities.html")
def door_activities(household, limit: int = 5):
    return {"household": household,
            "activities": selectors.door_upcoming(community=household.community)[:limit]}
