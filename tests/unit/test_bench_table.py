"""bench.table: each benchmark puts its own rows into the one table of docs/BENCHMARKS.md and
leaves the other benchmarks' rows as they were."""

from bench.table import BEGIN, END, HEADER, Row, write_rows


def row(figure: str, measured: str) -> Row:
    return Row(figure, "≥ 1", measured, "–", "–", "yes", "2 vCPU", "wrk")


def test_a_benchmark_replaces_its_own_rows_and_keeps_the_others(tmp_path):
    doc = tmp_path / "BENCHMARKS.md"
    doc.write_text(
        f"# Benchmarks\n\n{BEGIN}\nold words\n\n{HEADER[0]}\n{HEADER[1]}\n{END}\n\nafter\n"
    )
    write_rows([row("gateway read", "100/s"), row("lists", "p99 5 ms")], doc)
    write_rows([row("submit", "250/s"), row("gateway read", "300/s")], doc)

    text = doc.read_text()
    assert text.startswith("# Benchmarks\n\n" + BEGIN) and text.endswith(END + "\n\nafter\n")
    lines = [line for line in text.splitlines() if line.startswith("| ") and "wrk" in line]
    assert [line.split(" | ")[0].strip("| ") for line in lines] == [
        "gateway read",
        "lists",
        "submit",
    ]
    assert "300/s" in lines[0] and "100/s" not in text and "old words" not in text
    assert text.count(HEADER[0]) == 1
