"""Write nn/datasets/names.txt from the US Census 1990 first-name files (run once).

The `names` package on PyPI carries the Census files `dist.male.first` and `dist.female.first`
(public domain). Each line there is `NAME  FREQ%  CUMULATIVE%  RANK`, where FREQ% is the
percentage of people of that sex in the Census sample who have the name, given to 3 decimals.

We turn each percentage into an integer count per 100,000 people of that sex
(count = round(FREQ% * 1000), so the rarest names get 1) and add the male and female counts
of names that appear in both lists. Names are lowercased. The output is one `name count` per
line, most frequent first, ties alphabetical.

Usage:  .venv/bin/python scripts/make_names.py
Source: https://www2.census.gov/topics/genealogy/1990surnames/ (via the `names` package)
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import names

SRC = Path(names.__file__).resolve().parent
OUT = Path(__file__).resolve().parent.parent / "nn" / "datasets" / "names.txt"
HEADER = (
    "# US Census 1990 first names (public domain), male and female merged, lowercased.\n"
    "# count = occurrences per 100,000 men + per 100,000 women (FREQ% * 1000, summed).\n"
    "# Made by scripts/make_names.py from dist.male.first and dist.female.first.\n"
)


def main() -> None:
    counts: Counter[str] = Counter()
    for fname in ("dist.male.first", "dist.female.first"):
        for line in (SRC / fname).read_text().splitlines():
            name, freq, _cum, _rank = line.split()
            assert name.isalpha() and name.isascii(), name
            counts[name.lower()] += round(float(freq) * 1000)
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    assert all(c >= 1 for _, c in rows)
    OUT.write_text(HEADER + "".join(f"{n} {c}\n" for n, c in rows))
    print(f"wrote {OUT}: {len(rows)} names ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
