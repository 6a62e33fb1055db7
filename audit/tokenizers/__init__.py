"""Reference tokenizers, loaded offline from installed packages (see probes/tokenizer/_catalog.yaml)."""

from audit.tokenizers.base import Tokenizer, TokenizerUnavailable
from audit.tokenizers.catalog import (Catalog, CatalogEntry, catalog_status, find_entry, load_catalog, load_entry,
                      load_tokenizer, tokenizer_from_file)

__all__ = ["Tokenizer", "TokenizerUnavailable", "load_tokenizer", "load_entry", "load_catalog", "find_entry",
           "catalog_status", "tokenizer_from_file", "Catalog", "CatalogEntry"]
