"""A stand-in for Rasa in channel tests: records each message and answers through the channel's output."""


class EchoRasa:
    """Stands in for Rasa: records each message and answers through the channel's output."""

    def __init__(self, fail_on: str = None):
        self.messages, self.fail_on = [], fail_on

    async def __call__(self, message) -> None:
        self.messages.append(message)
        if message.text == self.fail_on:
            raise RuntimeError("the assistant broke")
        if message.text == "knoppen":
            long_payload = '/inform_role{"role": "' + "medewerker" * 8 + '"}'
            await message.output_channel.send_text_with_buttons(
                message.sender_id, "Wie ben jij?",
                [{"title": "Student", "payload": '/inform_role{"role": "student"}'},
                 {"title": "Medewerker", "payload": long_payload}])
        else:
            await message.output_channel.send_text_message(message.sender_id, f"ontvangen: {message.text}")
