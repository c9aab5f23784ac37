"""Everything that runs the Contactpunt assistant: NLU components, profiles, web chat and CLI."""
