"""`contactpunt bench` / `make bench`: first-reply latency, throughput and CPU per turn of the assistant under load, next to a plain Rasa assistant."""
