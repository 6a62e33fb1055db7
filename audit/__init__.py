"""Audit AI models for transparency and integrity.

Pipeline: validate (YAML) → collect (network only) → evaluate (evidence → findings)
→ score (findings + disclosures → result) → render (HTML, PDF, JSON, Markdown).
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
