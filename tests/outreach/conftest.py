from django.conf import settings

from . import settings_shim

# Outreach reads OUTREACH_* from django.conf.settings; until config/settings.py carries them
# the tests take the proposed values (settings_shim.py).
for _name in ("OUTREACH_MESSAGE_BACKEND", "OUTREACH_SMS", "OUTREACH_DISPATCH"):
    if not hasattr(settings, _name):
        setattr(settings, _name, getattr(settings_shim, _name))
