"""The report's words in Indonesian (``id``) and English (``en``): headings, statuses, units.

Plain dictionaries, no imports: the model builder and every renderer share them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

LOCALES: Final = ("id", "en")

_TEXTS: Final[Mapping[str, Mapping[str, str]]] = {
    "id": {
        "report_title": "Laporan Kinerja {year}",
        "subtitle": "Dihitung oleh kinerja dari definisi {definitions} dan data {data}",
        "no": "No",
        "goal": "Sasaran",
        "indicator": "Indikator",
        "unit": "Satuan",
        "target": "Target",
        "value": "Realisasi",
        "achievement": "Capaian",
        "status": "Status",
        "band": "Kategori",
        "notes": "Catatan",
        "total": "Total",
        "count": "Jumlah",
        "group": "Kelompok",
        "sample": "Sampel",
        "population": "Populasi",
        "fraction": "Fraksi sampling",
        "ci_low": "Batas bawah IK 95%",
        "ci_high": "Batas atas IK 95%",
        "target_next": "Target {year}",
        "summary_title": "Ringkasan capaian kinerja {year}",
        "summary_short": "Ringkasan",
        "goal_title": "Sasaran {order}: {name}",
        "goal_title_group": "Sasaran {order} ({group}): {name}",
        "goal_short": "Sasaran {order}",
        "group_utama": "utama",
        "group_pendukung": "pendukung",
        "cluster_title": "{name}, per {dimension}",
        "cluster_short": "Kluster {n}",
        "sampling_title": "Rincian sampling dan interval kepercayaan 95%",
        "sampling_short": "Sampling",
        "yoy_title": "Perbandingan realisasi antartahun",
        "yoy_short": "Antartahun",
        "budget_title": "Realisasi anggaran per {dimension}",
        "budget_other_title": "Realisasi anggaran",
        "budget_short": "Anggaran {n}",
        "counts_title": "Jumlah indikator kinerja utama menurut capaian",
        "counts_title_all": "Jumlah indikator menurut capaian",
        "counts_short": "Jumlah IKU",
        "count_above": "Di atas target (> 100%)",
        "count_met": "Tercapai (= 100%)",
        "count_below": "Di bawah target (< 100%)",
        "count_na": "Tidak dapat diukur (n/a)",
        "count_total": "Jumlah indikator",
        "status_above": "di atas target",
        "status_met": "tercapai",
        "status_below": "di bawah target",
        "status_n/a": "n/a",
        "not_in_force": "-",
        "mean_achievement": "Rata-rata capaian (rata-rata hitung, n = {n})",
        "note_carried": "No. {no}: realisasi {year} memakai nilai tahun {origin} (carry_forward)",
        "note_reported": "No. {no}: nilai sebagaimana dilaporkan; inputnya tidak dipublikasikan",
        "note_na": "No. {no}: n/a ({reason})",
        "note_warning": "No. {no}: peringatan: {text}",
        "note_absent_group": "{group}: tidak ada data",
        "note_sampling": "{name}: {note}",
        "note_ci": "Interval kepercayaan 95% Wilson dengan koreksi populasi terbatas, dibulatkan ke luar.",
        "yoy_changed": "tidak dapat dibandingkan: definisi berubah pada {year}",
        "yoy_carried": "{year}: memakai nilai {origin}",
        "yoy_reported": "{year}: nilai dilaporkan",
        "no_indicators": "Tidak ada indikator.",
        "chart_yoy_title": "Realisasi {name} per tahun dan targetnya",
        "chart_yoy_desc": "Garis realisasi {values}; garis putus-putus target {targets}.",
        "chart_capaian_title": "Capaian indikator {year} terhadap garis 100%",
        "chart_capaian_desc": "Batang capaian per indikator, diwarnai menurut status; garis tegak pada 100%.",
        "charts": "Grafik",
        "legend_value": "Realisasi",
        "legend_target": "Target",
        "legend_change": "definisi berubah",
        "contents": "Daftar tabel",
        "progress_load": "Memuat definisi",
        "progress_data": "Membaca data",
        "progress_evaluate": "Menghitung",
        "progress_build": "Menyusun tabel",
        "progress_render": "Menulis",
    },
    "en": {
        "report_title": "Performance Report {year}",
        "subtitle": "Computed by kinerja from the definitions {definitions} and the data {data}",
        "no": "No",
        "goal": "Goal",
        "indicator": "Indicator",
        "unit": "Unit",
        "target": "Target",
        "value": "Actual",
        "achievement": "Achievement",
        "status": "Status",
        "band": "Category",
        "notes": "Notes",
        "total": "Total",
        "count": "Count",
        "group": "Group",
        "sample": "Sample",
        "population": "Population",
        "fraction": "Sampling fraction",
        "ci_low": "95% CI low",
        "ci_high": "95% CI high",
        "target_next": "Target {year}",
        "summary_title": "Performance summary {year}",
        "summary_short": "Summary",
        "goal_title": "Goal {order}: {name}",
        "goal_title_group": "Goal {order} ({group}): {name}",
        "goal_short": "Goal {order}",
        "group_utama": "main",
        "group_pendukung": "supporting",
        "cluster_title": "{name}, by {dimension}",
        "cluster_short": "Groups {n}",
        "sampling_title": "Sampling details and 95% confidence intervals",
        "sampling_short": "Sampling",
        "yoy_title": "Year over year",
        "yoy_short": "Year over year",
        "budget_title": "Budget realisation by {dimension}",
        "budget_other_title": "Budget realisation",
        "budget_short": "Budget {n}",
        "counts_title": "Key performance indicators by achievement",
        "counts_title_all": "Indicators by achievement",
        "counts_short": "KPI counts",
        "count_above": "Above target (> 100%)",
        "count_met": "Met (= 100%)",
        "count_below": "Below target (< 100%)",
        "count_na": "Not measurable (n/a)",
        "count_total": "Indicators",
        "status_above": "above target",
        "status_met": "met",
        "status_below": "below target",
        "status_n/a": "n/a",
        "not_in_force": "-",
        "mean_achievement": "Mean achievement (arithmetic mean, n = {n})",
        "note_carried": "No. {no}: the {year} value is the {origin} value (carry_forward)",
        "note_reported": "No. {no}: value as reported; its inputs are not published",
        "note_na": "No. {no}: n/a ({reason})",
        "note_warning": "No. {no}: warning: {text}",
        "note_absent_group": "{group}: no data",
        "note_sampling": "{name}: {note}",
        "note_ci": "95% Wilson confidence interval with finite population correction, rounded outward.",
        "yoy_changed": "not comparable: the definition changed in {year}",
        "yoy_carried": "{year}: the {origin} value",
        "yoy_reported": "{year}: reported value",
        "no_indicators": "No indicators.",
        "chart_yoy_title": "{name}: actual by year and target",
        "chart_yoy_desc": "Actual line {values}; dashed target line {targets}.",
        "chart_capaian_title": "Achievement {year} against the 100% line",
        "chart_capaian_desc": "One bar per indicator, coloured by status; a vertical line at 100%.",
        "charts": "Charts",
        "legend_value": "Actual",
        "legend_target": "Target",
        "legend_change": "definition changed",
        "contents": "Tables",
        "progress_load": "Loading definitions",
        "progress_data": "Reading data",
        "progress_evaluate": "Evaluating",
        "progress_build": "Building tables",
        "progress_render": "Writing",
    },
}

_UNITS: Final[Mapping[str, Mapping[str, str]]] = {
    "id": {
        "percent": "%",
        "persen": "%",
        "point": "poin",
        "IDR": "rupiah",
        "person": "orang",
        "institution": "lembaga",
        "unit": "unit",
        "document": "dokumen",
        "recommendation": "rekomendasi",
        "household": "rumah tangga",
        "region": "wilayah",
        "item": "buah",
        "activity": "kegiatan",
        "work_unit": "satuan kerja",
    },
    "en": {
        "percent": "%",
        "persen": "%",
        "point": "points",
        "IDR": "rupiah",
        "person": "persons",
        "institution": "institutions",
        "unit": "units",
        "document": "documents",
        "recommendation": "recommendations",
        "household": "households",
        "region": "regions",
        "item": "items",
        "activity": "activities",
        "work_unit": "work units",
    },
}


def check_locale(locale: str) -> str:
    """``locale`` when kinerja has words for it; ValueError otherwise."""
    if locale not in _TEXTS:
        raise ValueError(f"unknown locale {locale!r}; use one of {', '.join(LOCALES)}")
    return locale


def text(locale: str, key: str, **values: object) -> str:
    """The text ``key`` in ``locale``, with ``values`` filled in.

    Example:
        >>> text("id", "target_next", year=2024)
        'Target 2024'
    """
    template = _TEXTS[locale][key]
    return template.format(**values) if values else template


def unit_name(locale: str, unit: str) -> str:
    """A unit as a reader says it (``person`` is ``orang`` in Indonesian); unknown units as given."""
    return _UNITS[locale].get(unit, unit)


def humanize(identifier: str) -> str:
    """``jenis_belanja`` as a heading: ``Jenis Belanja``."""
    words = identifier.replace("_", " ").replace("-", " ").split()
    return " ".join(w[:1].upper() + w[1:] for w in words)
