"""A stand-in Rasa process for the scale-out tests: our socket.io channel on Sanic, answering every message, with a push route like Rasa's API."""

import argparse
import logging

from sanic import Sanic, response

from bot.channels.web import SchoolSocketIOInput


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--origin", required=True)
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    channel = SchoolSocketIOInput.from_credentials({"allowed_origins": [arguments.origin]})

    async def answer(message) -> None:
        await message.output_channel.send_text_message(message.sender_id, f"ontvangen: {message.text}")

    app = Sanic(f"echo{arguments.port}")
    app.blueprint(channel.blueprint(answer))

    @app.post("/push/<session_id>")
    async def push(request, session_id):  # as an adviser's live reply arrives through Rasa's HTTP API
        await channel.get_output_channel().send_text_message(session_id, request.json["text"])
        return response.json({"pushed": True})

    @app.get("/")
    async def up(_):
        return response.text("ok")

    app.run(host="127.0.0.1", port=arguments.port, access_log=False, workers=1)


if __name__ == "__main__":
    main()
