"""The adviser console over plain HTTP, as a browser uses it (cookies, CSRF tokens), for end-to-end tests."""

import json
import re
import urllib.request
from http.cookiejar import CookieJar
from typing import Dict, List
from urllib.parse import urlencode

from tests.stack import PASSPHRASE, fresh_totp


class Console:
    def __init__(self, base: str, seed: bytes):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        page = self.get("login")
        token = re.search(r'name="login_token" value="([^"]+)"', page).group(1)
        self.post("login", login_token=token, login="anna", passphrase=PASSPHRASE, totp=fresh_totp(seed))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, **fields) -> str:
        with self.opener.open(self.base + path, data=urlencode(fields).encode(), timeout=30) as response:
            return response.read().decode()

    def csrf(self, path: str) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', self.get(path)).group(1)

    def case_ids(self) -> List[str]:
        return re.findall(r'href="/cases/([0-9a-f-]{36})"', self.get(""))

    def case_with(self, needle: str) -> str:
        """The queued case whose report holds `needle`."""
        for case_id in self.case_ids():
            if needle in self.get(f"cases/{case_id}"):
                return case_id
        raise AssertionError(f"no queued case holds {needle}")

    def act(self, case_id: str, action: str, **fields) -> str:
        """claim, reply (text=...), end-live or close (referral=...), with the case page's CSRF token."""
        return self.post(f"cases/{case_id}/{action}", csrf=self.csrf(f"cases/{case_id}"), **fields)

    def thread(self, case_id: str) -> List[Dict]:
        return json.loads(self.get(f"cases/{case_id}/messages.json"))["messages"]
