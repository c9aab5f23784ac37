"""Hand-off of a case from the assistant to a human adviser (COG / vertrouwenspersoon)."""
