"""What every layer shares: errors, YAML with line numbers, atomic writes, content locations."""
