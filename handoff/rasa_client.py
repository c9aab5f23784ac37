"""The console's way into a reporter's conversation: trigger an intent through Rasa's API, signed with a JWT."""

import time

import aiohttp
import jwt


class RasaUnavailable(Exception):
    """The assistant could not be reached; the message is stored in the case all the same."""


class RasaClient:
    def __init__(self, base_url: str, jwt_secret: str):
        self._base = base_url.rstrip("/")
        self._secret = jwt_secret

    def _token(self) -> str:
        now = int(time.time())
        return jwt.encode({"user": {"username": "adviser-console", "role": "admin"}, "iat": now, "exp": now + 60},
                          self._secret, algorithm="HS256")

    async def trigger(self, conversation_id: str, intent: str, entities: dict = None) -> None:
        url = f"{self._base}/conversations/{conversation_id}/trigger_intent"
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
                async with session.post(url, params={"output_channel": "latest"},
                                        json={"name": intent, "entities": entities or {}},
                                        headers={"Authorization": f"Bearer {self._token()}"}) as response:
                    response.raise_for_status()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RasaUnavailable(type(error).__name__) from None
