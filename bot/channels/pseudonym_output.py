"""Rasa's output for the chat apps: each message goes to the chat its reporter's pseudonym was last seen in."""

import logging
from typing import Any, Dict, List, Text

from rasa.core.channels.channel import OutputChannel

logger = logging.getLogger(__name__)


class PseudonymOutput(OutputChannel):
    """The input channel keeps `references` (pseudonym -> where that user's chat is; memory only) and
    knows how to `deliver(reference, text, buttons)`. This also carries an adviser's live reply, which
    Rasa sends through the output of the channel the reporter last wrote on."""

    def __init__(self, channel: Any):
        self.channel = channel

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._deliver(recipient_id, text, [])

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        await self._deliver(recipient_id, text, buttons)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """Custom payloads are for the web widget (the case-code screen); the code is in the text too."""

    async def _deliver(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]]) -> None:
        reference = self.channel.references.get(recipient_id)
        if reference is None:
            logger.warning("A %s message for a chat unknown since the last start was not delivered.", self.name())
            return
        await self.channel.deliver(reference, text, buttons)
