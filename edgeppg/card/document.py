"""A card as a list of blocks (headings, text, tables, figures, commands), rendered two ways from the one
list: Markdown with PNG files beside it (for a repository), and one self-contained HTML page (figures
inlined as data URIs, no scripts, no network) for a browser or a design review."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

from edgeppg.files import atomic_write_bytes


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Text:
    text: str  # plain text; `code` spans in backticks


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class Figure:
    name: str  # file stem of the PNG
    png: bytes
    caption: str


@dataclass(frozen=True)
class Commands:
    lines: tuple[str, ...]


Block = Heading | Text | Table | Figure | Commands


def _md_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def to_markdown(title: str, blocks: list[Block], folder: Path) -> str:
    """The card as Markdown; each figure is written as `<name>.png` into `folder`."""
    out = [f"# {title}", ""]
    for b in blocks:
        if isinstance(b, Heading):
            out += [f"{'#' * b.level} {b.text}", ""]
        elif isinstance(b, Text):
            out += [b.text, ""]
        elif isinstance(b, Table):
            if b.caption:
                out += [f"*{b.caption}*", ""]
            out += ["| " + " | ".join(map(_md_cell, b.columns)) + " |",
                    "|" + "|".join("---" for _ in b.columns) + "|"]
            out += ["| " + " | ".join(map(_md_cell, r)) + " |" for r in b.rows] + [""]
        elif isinstance(b, Figure):
            atomic_write_bytes(folder / f"{b.name}.png", b.png)
            out += [f"![{b.caption}]({b.name}.png)", "", f"*{b.caption}*", ""]
        elif isinstance(b, Commands):
            out += ["```sh", *b.lines, "```", ""]
    return "\n".join(out)


def _numeric(cell: str) -> bool:
    """Numbers (and their placeholders) align right, words left."""
    return cell.replace(",", "").replace(".", "").replace("%", "").lstrip("+-").isdigit() or cell in ("-", "n/a")


def _inline(text: str) -> str:
    """Escape, then `code` spans."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


STYLE = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:980px;margin:2em auto;
padding:0 1em;color:#1d1d1f}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.92em}
th,td{border:1px solid #d0d0d0;padding:.3em .6em;text-align:left;vertical-align:top}th{background:#f3f3f3}
td.n{text-align:right;font-variant-numeric:tabular-nums}caption{caption-side:top;text-align:left;font-style:italic;
padding-bottom:.3em}figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.9em;color:#555}pre{background:#f6f8fa;padding:.8em;overflow-x:auto;font-size:.88em}
code{background:#f3f3f3;padding:0 .2em;border-radius:3px}pre code{background:none;padding:0}
"""


def to_html(title: str, blocks: list[Block]) -> str:
    body = [f"<h1>{html.escape(title)}</h1>"]
    for b in blocks:
        if isinstance(b, Heading):
            body.append(f"<h{b.level}>{html.escape(b.text)}</h{b.level}>")
        elif isinstance(b, Text):
            body.append(f"<p>{_inline(b.text)}</p>")
        elif isinstance(b, Table):
            cap = f"<caption>{_inline(b.caption)}</caption>" if b.caption else ""
            head = "".join(f"<th>{_inline(c)}</th>" for c in b.columns)
            rows = "".join("<tr>" + "".join(f"<td class='{'n' if _numeric(c) else 't'}'>{_inline(c)}</td>" for c in r)
                           + "</tr>" for r in b.rows)
            body.append(f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif isinstance(b, Figure):
            data = base64.b64encode(b.png).decode()
            body.append(f"<figure><img alt='{html.escape(b.caption)}' data-figure='{b.name}' "
                        f"src='data:image/png;base64,{data}'><figcaption>{_inline(b.caption)}</figcaption></figure>")
        elif isinstance(b, Commands):
            body.append("<pre><code>" + html.escape("\n".join(b.lines)) + "</code></pre>")
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>" + "\n".join(body) + "</body></html>\n")
