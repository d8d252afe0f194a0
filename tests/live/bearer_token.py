"""Print a bearer token for a demo login from a running server:
`python tests/live/bearer_token.py http://127.0.0.1:PORT 13900000011 PASSWORD`."""

import json
import sys
import urllib.request

base, mobile, password = sys.argv[1:4]
request = urllib.request.Request(
    f"{base}/api/v1/auth/token", method="POST",
    data=json.dumps({"mobile": mobile, "password": password, "device": "live-fuzz"}).encode(),
    headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=30) as response:
    print(json.load(response)["token"])
