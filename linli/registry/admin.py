from django.contrib import admin

from linli.registry.models import Community, District, Grid, Street

admin.site.register(District)
admin.site.register(Street)
admin.site.register(Community)
admin.site.register(Grid)
