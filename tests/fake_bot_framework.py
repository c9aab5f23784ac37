"""Microsoft's side of Teams on loopback: OpenID metadata and keys, a token endpoint, a Bot Connector that records."""

import json
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, Optional

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.loopback_server import LoopbackServer

KID = "test-signing-key"
ISSUER = "https://api.botframework.com"


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeBotFramework(LoopbackServer):
    """`with FakeBotFramework(app_id, app_password) as ms:` serves in a background thread. Build an activity
    with `activity(...)`, sign it with `sign(...)` (or one of the wrong ways), `post` it to the bot; what
    the bot sent back through the connector is in `sent` and can be awaited with `wait_for`."""

    def __init__(self, app_id: str = "contactpunt-test-app", app_password: str = "test-app-password"):
        super().__init__()
        self.app_id, self.app_password = app_id, app_password
        self.base = f"http://127.0.0.1:{self.port}"
        self.openid_metadata_url = f"{self.base}/openid"
        self.token_url = f"{self.base}/token"
        self.service_url = f"{self.base}/connector/"
        self.access_token = "connector-access-token-for-tests"
        self.key = new_key()
        self.refused_sends = 0

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/openid", self._metadata)
        app.router.add_get("/keys", self._keys)
        app.router.add_post("/token", self._token)
        app.router.add_post("/connector/v3/conversations/{conversation}/activities", self._activity)

    async def _metadata(self, request: web.Request) -> web.Response:
        return web.json_response({"issuer": ISSUER, "jwks_uri": f"{self.base}/keys",
                                  "id_token_signing_alg_values_supported": ["RS256"]})

    async def _keys(self, request: web.Request) -> web.Response:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return web.json_response({"keys": [{**jwk, "kid": KID, "use": "sig", "endorsements": ["msteams"]}]})

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if (form.get("client_id"), form.get("client_secret")) != (self.app_id, self.app_password):
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response({"token_type": "Bearer", "expires_in": 3600, "access_token": self.access_token})

    async def _activity(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            with self._lock:
                self.refused_sends += 1
            return web.json_response({"error": "unauthorized"}, status=401)
        self.record({"conversation_id": request.match_info["conversation"], **(await request.json())})
        return web.json_response({"id": str(next(self._ids))})

    # --- what Teams would send -----------------------------------------------------------------------

    def activity(self, text: Optional[str] = "", value: Any = None, user_id: str = "29:test-user",
                 conversation_id: str = "a:conversation-1", locale: str = "nl-NL",
                 conversation_type: str = "personal", attachments: Optional[list] = None) -> Dict[str, Any]:
        activity = {"type": "message", "id": str(next(self._ids)), "channelId": "msteams",
                    "serviceUrl": self.service_url, "locale": locale,
                    "from": {"id": user_id, "aadObjectId": f"aad-{user_id}", "name": "Testpersoon"},
                    "conversation": {"id": conversation_id, "conversationType": conversation_type,
                                     "tenantId": "tenant-test"},
                    "recipient": {"id": f"28:{self.app_id}", "name": "Contactpunt"}, "text": text}
        if value is not None:
            activity["value"] = value
        if attachments is not None:
            activity["attachments"] = attachments
        return activity

    def sign(self, activity: Dict[str, Any], key=None, kid: str = KID, audience: Optional[str] = None,
             issuer: str = ISSUER, expires_in: int = 3600, service_url: Optional[str] = None) -> str:
        """The Authorization header the Bot Framework would send (every argument can be made wrong)."""
        now = int(time.time())
        claims = {"iss": issuer, "aud": audience or self.app_id, "iat": now - 5, "nbf": now - 5,
                  "exp": now + expires_in, "serviceUrl": service_url or activity["serviceUrl"]}
        return "Bearer " + jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": kid})

    @staticmethod
    def unsigned(activity: Dict[str, Any]) -> str:
        claims = {"iss": ISSUER, "aud": "any", "exp": int(time.time()) + 3600, "serviceUrl": activity["serviceUrl"]}
        return "Bearer " + jwt.encode(claims, None, algorithm="none")

    def post(self, webhook_url: str, activity: Dict[str, Any], authorization: Optional[str]) -> int:
        headers = {"Content-Type": "application/json", **({"Authorization": authorization} if authorization else {})}
        request = urllib.request.Request(webhook_url, data=json.dumps(activity).encode(), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                return reply.status
        except urllib.error.HTTPError as error:
            return error.code


def says(needle: str) -> Callable[[Dict[str, Any]], bool]:
    """Matches a sent activity whose text, or hero card text, holds `needle`."""
    def match(activity: Dict[str, Any]) -> bool:
        texts = [activity.get("text") or ""] + [a.get("content", {}).get("text", "")
                                                for a in activity.get("attachments") or []]
        return any(needle.lower() in text.lower() for text in texts)
    return match
