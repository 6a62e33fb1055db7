"""`audit tokenizers list|fetch|count`: the reference tokenizer catalog."""

from __future__ import annotations

from typing import Annotated

import typer

from audit.cli.support import add_group, console


def list_() -> None:
    """Every catalog tokenizer, whether it loads here, and from where (or why not)."""
    from audit.tokenizers import catalog_status

    for status in catalog_status():
        mark = "ok " if status.available else "-- "
        console.print(f"{mark} {status.entry.name:<16} {status.entry.family:<10} "
                      f"{status.entry.vocab_size:>7}  {status.detail}", markup=False)


def fetch() -> None:
    """Setup step: store the tokenizer files no installed package holds, checked, then load the catalog.

    OpenAI encodings (r50k_base from openai-whisper's sdist) against tiktoken's sha256; llama.cpp's
    vocab files and Unicode table from the pinned llama-cpp-python sdist, against its PyPI sha256.
    """
    from audit.core.errors import OutputError
    from audit.tokenizers import catalog_status
    from audit.tokenizers.cache import ensure_openai_file, fetch_gpt2_from_whisper_sdist
    from audit.tokenizers.llamacpp.sdist import LLAMA_CPP_PYTHON_VERSION, ensure_vocab, vocab_dir

    for encoding in ("o200k_base", "cl100k_base"):
        console.print(f"{encoding}: {ensure_openai_file(encoding)}", markup=False)
    try:
        console.print(f"r50k_base: {fetch_gpt2_from_whisper_sdist()}", markup=False)
    except Exception as exc:  # pip failure or a hash mismatch: say which
        raise OutputError(f"cannot fetch r50k_base: {exc}") from None
    try:
        files = ensure_vocab()
    except Exception as exc:
        raise OutputError(f"cannot fetch llama.cpp's vocab files (llama-cpp-python=={LLAMA_CPP_PYTHON_VERSION} "
                          f"sdist): {exc}") from None
    console.print(f"llama.cpp vocabularies: {len(files)} in {vocab_dir()}", markup=False)
    statuses = catalog_status()  # also parses each GGUF once, so later loads are fast
    missing = [s.entry.name for s in statuses if not s.available]
    console.print(f"catalog: {len(statuses) - len(missing)}/{len(statuses)} tokenizers available"
                  + (f" (unavailable: {', '.join(missing)})" if missing else ""), markup=False)


def design(budget: Annotated[int, typer.Option(help="Characters per probe text.")] = 800,
           exclude: Annotated[list[str] | None, typer.Option(help="Catalog names to leave out.")] = None,
           out: Annotated[str, typer.Option(help="Design file under probes/tokenizer/ or a path.")]
           = "_design.json") -> None:
    """Recompute the probe design from every catalog tokenizer that loads here, and write it."""
    from audit.probes.tokenizer.artifact import build_design, save_design

    built = build_design(budget=budget, exclude=tuple(exclude or ()))
    path = save_design(built, out)
    for probe in built.probes:
        console.print(f"{probe.id}: {len(probe.text)} chars, gap {probe.gap} "
                      f"(closest: {' vs '.join(probe.closest)})", markup=False)
    console.print(f"{len(built.classes)} classes; {len(built.unavailable)} unavailable "
                  f"({', '.join(u.name for u in built.unavailable) or 'none'}); wrote {path}", markup=False)


def count(text: Annotated[str, typer.Argument(help="Text to count.")],
          tokenizer: Annotated[list[str] | None, typer.Option("--tokenizer", "-t",
                               help="Catalog name, alias or file; every available one when omitted.")] = None
          ) -> None:
    """Count a text's tokens under catalog tokenizers."""
    from audit.core.errors import InputError, Problem
    from audit.tokenizers import TokenizerUnavailable, catalog_status, load_tokenizer

    names = tokenizer or [s.entry.name for s in catalog_status() if s.available]
    for name in names:
        try:
            tok = load_tokenizer(name)
        except TokenizerUnavailable as exc:
            raise InputError([Problem("--tokenizer", str(exc))]) from None
        console.print(f"{tok.name:<16} {tok.count(text):>6}", markup=False)


def register(app: typer.Typer) -> None:
    add_group(app, "tokenizers", (("list", list_), ("fetch", fetch), ("design", design), ("count", count)),
              help="The reference tokenizers the tokenizer probe identifies.")
