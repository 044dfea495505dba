"""The speed benchmarks run end to end on tiny sizes and report what they claim to."""

from __future__ import annotations

from fangdu.bench.speed import check_benchmark, index_benchmark, render_markdown


def test_index_benchmark_finds_noisy_copies():
    figures = index_benchmark(3000, 32, n_queries=50)
    assert figures["references"] == 3000 and figures["vectors"] == 6000
    assert figures["recall_at_40"] >= 0.9
    assert figures["search_p50_ms"] > 0 and figures["peak_rss_mib"] > 0


def test_check_benchmark_fills_the_library_and_finds_copies():
    figures = check_benchmark(
        n_refs=1200, n_real=10, n_queries=4, size=256, progress=lambda _: None
    )
    assert figures["import_images"] == 10
    assert figures["references"] == 1200
    assert figures["top1_correct"] >= 2  # most copies of a 256 px print are found
    assert figures["check_p50_ms"] > 0
    # Sizing: the database holds every fingerprint; a reader process loads the index.
    assert figures["database_mib"] > 0 and figures["index_files_mib"] >= 0
    assert isinstance(figures["reader_peak_rss_mib"], float), figures["reader_peak_rss_mib"]
    assert figures["reader_peak_rss_mib"] > 50
    markdown = render_markdown(index_benchmark(2000, 32, n_queries=10), figures)
    assert "1,200 references" in markdown and "images/s" in markdown
