"""`audit history`: a model's runs as a table, and the score and drift trend in two lines."""

from __future__ import annotations

from rich.table import Table

from audit.history.rows import HistoryRow

__all__ = ["trend_table", "trend_lines"]


def trend_table(model: str, rows: list[HistoryRow]) -> Table:
    table = Table(title=f"History of {model}", title_justify="left")
    for column, justify in (("date", "left"), ("kind", "left"), ("rubric", "left"), ("score", "right"),
                            ("grade", "left"), ("drift", "left"), ("p", "right"), ("level", "right"),
                            ("fingerprint", "left"), ("baseline", "left")):
        table.add_column(column, justify=justify)
    for r in rows:
        table.add_row(r.generated_at[:16].replace("T", " "), r.kind, r.rubric_id, f"{r.total}/{r.max_total}",
                      r.grade or "-", r.verdict or "-", "-" if r.p_value is None else f"{r.p_value:.3g}",
                      "-" if r.level is None else f"{r.level:.3g}",
                      "-" if r.fingerprint_changed is None else ("changed" if r.fingerprint_changed else "same"),
                      r.baseline or "-")
    return table


def trend_lines(rows: list[HistoryRow]) -> list[str]:
    scores = [f"{r.percent:g}%" for r in rows]
    lines = [f"score trend: {' -> '.join(scores[-10:])}" + (" (last 10)" if len(scores) > 10 else "")]
    audits = [r for r in rows if r.verdict is not None]
    if audits:
        alarms = [r for r in audits if r.verdict == "drift"]
        marks = "".join("X" if r.verdict == "drift" else "." for r in audits)
        last = f"; last alarm {alarms[-1].generated_at[:10]}" if alarms else ""
        lines.append(f"drift trend: {marks}  ({len(audits)} audits, {len(alarms)} alarms{last}; X = drift)")
    else:
        lines.append("drift trend: no drift audits yet (run `audit drift`)")
    return lines
