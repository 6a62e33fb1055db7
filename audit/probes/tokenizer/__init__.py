"""The tokenizer-integrity probe kind: which tokenizer the API really uses, and whether its counts are honest."""
