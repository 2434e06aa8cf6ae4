"""The command line as a user meets it: help, validate, the three bill formats."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import EXAMPLES, run_cli

NOOR = str(EXAMPLES / "noor.toml")


def test_help_teaches_with_examples() -> None:
    for args in (("--help",), ("bill", "--help"), ("validate", "--help")):
        result = run_cli(*args)
        assert result.returncode == 0
        assert "energybill bill examples/noor.toml" in result.stdout or "energybill validate" in result.stdout


def test_validate_counts_items_and_sites() -> None:
    result = run_cli("validate", NOOR)
    assert result.returncode == 0
    assert result.stdout.strip() == f"{NOOR}: valid — 17 items, 6 sites"


def test_table_groups_by_phase_with_totals_and_economics() -> None:
    result = run_cli("bill", NOOR)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for text in (
        "training",
        "Noor 13B",
        "22,912.5",
        "70.4 %",
        "Total",
        "58,993.9",
        "36,371.1",
        "Inference economics",
        "25.85 J",
        "72,000 tokens/hour",
        "2.00 tokens per word",
    ):
        assert text in out, text


def test_markdown_has_phase_table_and_escapes_user_text(tmp_path: Path) -> None:
    result = run_cli("bill", NOOR, "--format", "markdown")
    assert result.returncode == 0
    assert "| training | 41,542.1 | 70.4 % | 23,811.7 | 65.5 % |" in result.stdout
    hostile = tmp_path / "x.toml"
    hostile.write_text(
        '[project]\nname = "a|b"\n[[other]]\nname = "<script>alert(1)</script>"\nco2e_kg = 1\n'
    )
    out = run_cli("bill", str(hostile), "--format", "markdown").stdout
    assert "<script>" not in out and "&lt;script&gt;" in out and "a\\|b" in out


def test_markdown_folds_a_line_break_in_a_name(tmp_path: Path) -> None:
    """A TOML name may hold a line break; it must not end the table row early."""
    path = tmp_path / "n.toml"
    path.write_text('[project]\nname = "p"\n[[other]]\nname = "two\\nlines"\nco2e_kg = 1\n')
    out = run_cli("bill", str(path), "--format", "markdown").stdout
    assert "| two lines |" in out
    assert all(line.endswith("|") for line in out.splitlines() if line.startswith("|"))


def test_rich_markup_in_names_is_printed_literally(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(
        '[project]\nname = "p"\n[[other]]\nname = "[bold]x[/bold]"\nphase = "[red]"\nco2e_kg = 1\n'
    )
    result = run_cli("bill", str(path))
    assert result.returncode == 0, result.stderr
    assert "[bold]x[/bold]" in result.stdout and "[red]" in result.stdout
