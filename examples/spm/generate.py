"""Generate realistic SPM Rehabilitasi Sosial data in kinerja's long format (seeded).

Indonesia has 38 provinces and 514 kabupaten/kota. Each reports, per year, for each of the
four jenis layanan of the SPM bidang sosial (Rehabilitasi Sosial, Permensos 9/2018: dasar
penyandang disabilitas terlantar, anak terlantar, lanjut usia terlantar, tuna sosial
khususnya gelandangan dan pengemis; *di dalam panti* for provinces, *di luar panti* for
kabupaten/kota) how many people needed the service (``sasaran``) and how many got it to
standard (``terlayani``), from each of its service units. Every pemda also reports, each
quarter, how many of its required e-SPM reports were filed on time.

Usage::

    python examples/spm/generate.py --rows 1000000 --seed 7 --out /tmp/spm
    python examples/spm/generate.py --rows 50000 --format csv --out /tmp/spm-small

Writes ``spm.parquet`` (or ``spm.csv``) with the columns ``year, provinsi, kabkota,
unit, group, indicator, input, triwulan, value`` and ``wilayah.csv`` (codes and names).
The number of service units per pemda is chosen to reach about ``--rows`` rows (at least
one unit per pemda: about 8,800 rows a year).
Region codes follow the BPS pattern (``11`` Aceh, ``1101``, ``1171`` for a kota); the
kabupaten/kota names are placeholders built from their codes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

# BPS province codes, names and number of kabupaten/kota (514 in total).
PROVINCES: tuple[tuple[str, str, int, int], ...] = (
    # code, name, kabupaten, kota
    ("11", "Aceh", 18, 5),
    ("12", "Sumatera Utara", 25, 8),
    ("13", "Sumatera Barat", 12, 7),
    ("14", "Riau", 10, 2),
    ("15", "Jambi", 9, 2),
    ("16", "Sumatera Selatan", 13, 4),
    ("17", "Bengkulu", 9, 1),
    ("18", "Lampung", 13, 2),
    ("19", "Kepulauan Bangka Belitung", 6, 1),
    ("21", "Kepulauan Riau", 5, 2),
    ("31", "DKI Jakarta", 1, 5),
    ("32", "Jawa Barat", 18, 9),
    ("33", "Jawa Tengah", 29, 6),
    ("34", "DI Yogyakarta", 4, 1),
    ("35", "Jawa Timur", 29, 9),
    ("36", "Banten", 4, 4),
    ("51", "Bali", 8, 1),
    ("52", "Nusa Tenggara Barat", 8, 2),
    ("53", "Nusa Tenggara Timur", 21, 1),
    ("61", "Kalimantan Barat", 12, 2),
    ("62", "Kalimantan Tengah", 13, 1),
    ("63", "Kalimantan Selatan", 11, 2),
    ("64", "Kalimantan Timur", 7, 3),
    ("65", "Kalimantan Utara", 4, 1),
    ("71", "Sulawesi Utara", 11, 4),
    ("72", "Sulawesi Tengah", 12, 1),
    ("73", "Sulawesi Selatan", 21, 3),
    ("74", "Sulawesi Tenggara", 15, 2),
    ("75", "Gorontalo", 5, 1),
    ("76", "Sulawesi Barat", 6, 0),
    ("81", "Maluku", 9, 2),
    ("82", "Maluku Utara", 8, 2),
    ("91", "Papua Barat", 7, 0),
    ("92", "Papua Barat Daya", 5, 1),
    ("94", "Papua", 8, 1),
    ("95", "Papua Selatan", 4, 0),
    ("96", "Papua Tengah", 8, 0),
    ("97", "Papua Pegunungan", 8, 0),
)

GROUPS = ("disabilitas", "anak", "lansia", "gepeng")
# National achievement around which pemda vary, by year (the seed report: provinsi
# 71,75% / 86,50% / 83,60% in 2021-2023, kabupaten/kota 54,75% / 71,09% / 83,62%).
LEVEL = {
    "provinsi": {2020: 0.66, 2021: 0.7175, 2022: 0.865, 2023: 0.836, 2024: 0.85, 2025: 0.86},
    "kabkota": {2020: 0.50, 2021: 0.5475, 2022: 0.7109, 2023: 0.8362, 2024: 0.85, 2025: 0.86},
}
# Typical people in need per service unit and jenis layanan.
NEED = {"disabilitas": 38, "anak": 55, "lansia": 47, "gepeng": 14}


def regions() -> list[tuple[str, str, str | None, str]]:
    """(provinsi, kabkota or None, kind, name) for 38 provinces and 514 kabupaten/kota."""
    out: list[tuple[str, str, str | None, str]] = []
    for code, name, kabupaten, kota in PROVINCES:
        out.append((code, name, None, "provinsi"))
        for number in range(1, kabupaten + 1):
            kab = f"{code}{number:02d}"
            out.append((code, f"Kabupaten {code}.{number:02d}", kab, "kabupaten"))
        for number in range(71, 71 + kota):
            kab = f"{code}{number:02d}"
            out.append((code, f"Kota {code}.{number:02d}", kab, "kota"))
    return out


def generate(rows: int, seed: int, years: list[int]) -> pa.Table:
    """About ``rows`` long-format rows for ``years``, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    pemda = regions()
    n = len(pemda)
    per_unit_year = n * len(GROUPS) * 2  # two inputs per group and unit
    reporting = n * 4 * 2  # quarterly report counts, not scaled
    units = max(1, round((rows / len(years) - reporting) / per_unit_year))
    provinsi = np.array([p[0] for p in pemda])
    kabkota = np.array([p[2] or "" for p in pemda])
    is_prov = np.array([p[2] is None for p in pemda])
    # A pemda's own quality: some are far behind, most near the national level.
    skill = rng.normal(0.0, 0.45, n)
    columns: dict[str, list[np.ndarray]] = {
        k: []
        for k in (
            "year",
            "provinsi",
            "kabkota",
            "unit",
            "group",
            "indicator",
            "input",
            "triwulan",
            "value",
        )
    }
    group_codes = np.arange(len(GROUPS))
    for year in years:
        # Who reports this year: a few pemda file nothing at all (their value is n/a).
        reports = rng.random(n) > 0.02
        level = np.where(
            is_prov, LEVEL["provinsi"].get(year, 0.85), LEVEL["kabkota"].get(year, 0.85)
        )
        logit = np.log(level / (1 - level)) + skill + rng.normal(0, 0.15, n)
        share = 1 / (1 + np.exp(-logit))
        # Service rows: pemda x unit x group, two inputs each.
        idx = np.repeat(np.flatnonzero(reports), units * len(GROUPS))
        unit = np.tile(np.repeat(np.arange(1, units + 1), len(GROUPS)), int(reports.sum()))
        grp = np.tile(group_codes, int(reports.sum()) * units)
        need = np.array([NEED[g] for g in GROUPS])[grp]
        sasaran = rng.poisson(need * rng.gamma(2.0, 0.5, idx.size))
        served_share = np.clip(share[idx] + rng.normal(0, 0.05, idx.size), 0, 1)
        terlayani = rng.binomial(sasaran, served_share)
        m = idx.size
        for name, values in (("sasaran", sasaran), ("terlayani", terlayani)):
            columns["year"].append(np.full(m, year, dtype=np.int32))
            columns["provinsi"].append(provinsi[idx])
            columns["kabkota"].append(kabkota[idx])
            columns["unit"].append(unit.astype(np.int32))
            columns["group"].append(np.array(GROUPS)[grp])
            columns["indicator"].append(
                np.where(is_prov[idx], "spm.provinsi", "spm.kabkota").astype(object)
            )
            columns["input"].append(np.full(m, name, dtype=object))
            columns["triwulan"].append(np.zeros(m, dtype=np.int8))
            columns["value"].append(values.astype(np.int64))
        # Quarterly e-SPM reporting: required reports (one per jenis layanan) and on time.
        rep = np.repeat(np.flatnonzero(reports), 4)
        quarter = np.tile(np.arange(1, 5, dtype=np.int8), int(reports.sum()))
        required = np.full(rep.size, len(GROUPS), dtype=np.int64)
        on_time = rng.binomial(required, np.clip(share[rep] + 0.05, 0, 1))
        k = rep.size
        for name, values in (("wajib_lapor", required), ("tepat_waktu", on_time)):
            columns["year"].append(np.full(k, year, dtype=np.int32))
            columns["provinsi"].append(provinsi[rep])
            columns["kabkota"].append(kabkota[rep])
            columns["unit"].append(np.zeros(k, dtype=np.int32))
            columns["group"].append(np.full(k, "", dtype=object))
            columns["indicator"].append(np.full(k, "spm.pelaporan", dtype=object))
            columns["input"].append(np.full(k, name, dtype=object))
            columns["triwulan"].append(quarter)
            columns["value"].append(values)
    data = {k: np.concatenate(v) for k, v in columns.items()}
    empty_kab = data["kabkota"] == ""
    empty_group = data["group"] == ""
    no_quarter = data["triwulan"] == 0
    return pa.table(
        {
            "year": pa.array(data["year"], pa.int32()),
            "provinsi": pa.array(data["provinsi"], pa.string()),
            "kabkota": pa.array(data["kabkota"], pa.string(), mask=empty_kab),
            "unit": pa.array(data["unit"], pa.int32()),
            "group": pa.array(data["group"].astype(str), pa.string(), mask=empty_group),
            "indicator": pa.array(data["indicator"].astype(str), pa.string()),
            "input": pa.array(data["input"].astype(str), pa.string()),
            "triwulan": pa.array(data["triwulan"], pa.int8(), mask=no_quarter),
            "value": pa.array(data["value"], pa.int64()),
        }
    )


def wilayah() -> pa.Table:
    """Codes and names of the 552 pemda."""
    found = regions()
    return pa.table(
        {
            "provinsi": [r[0] for r in found],
            "kabkota": [r[2] for r in found],
            "jenis": [r[3] for r in found],
            "nama": [r[1] for r in found],
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="about this many rows")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--years", default="2021-2024", help="e.g. 2021-2024 or 2023")
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--out", required=True, help="output folder (created)")
    args = parser.parse_args(argv)
    first, _, last = args.years.partition("-")
    years = list(range(int(first), int(last or first) + 1))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = generate(args.rows, args.seed, years)
    target = out / f"spm.{args.format}"
    if args.format == "parquet":
        pq.write_table(table, target, compression="zstd")
    else:
        pa_csv.write_csv(table, target)
    pa_csv.write_csv(wilayah(), out / "wilayah.csv")
    print(f"{target}: {table.num_rows:,} rows, years {years[0]}-{years[-1]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
