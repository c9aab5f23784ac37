from bot.language import detect_language


def test_dutch_messages_are_dutch():
    assert detect_language("hij blijft me appen en staat elke dag bij de bushalte") == "nl"
    assert detect_language("ik weet niet wat ik moet doen") == "nl"


def test_english_messages_are_english():
    assert detect_language("my supervisor keeps touching my shoulder and I hate it") == "en"
    assert detect_language("can I talk to someone please") == "en"


def test_too_little_to_tell_gives_none():
    assert detect_language("ok") is None
    assert detect_language("16") is None
    assert detect_language("") is None
