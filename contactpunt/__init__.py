"""What the assistant (bot/, actions/) and the handoff library both use: the label vocabulary, where data lives, and how a database or a web page is set up."""
