"""Custom Rasa NLU graph components (featurizers, tokenizer) used by config.yml."""
