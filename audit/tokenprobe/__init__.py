"""Tokenizer probe logic: probe design from the catalog and identification from observed counts."""
