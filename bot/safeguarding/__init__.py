"""Safeguarding: notices minors, staff perpetrators, mandatory reporting, meldcode signs and acute danger."""
