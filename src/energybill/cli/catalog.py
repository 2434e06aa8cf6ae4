"""``energybill catalog``: search the reference data, show an entry with its sources, list sources."""

from __future__ import annotations

import click

from energybill.cli.options import LIMIT

KINDS = ("grid", "cloud", "accelerator", "cpu", "airport", "flight", "embodied")


@click.group()
def catalog() -> None:
    """The reference catalog: grid intensity, cloud regions, hardware, airports, flight and
    embodied-carbon factors, each value with its source and year.

    \b
    Examples:
        energybill catalog search H100
        energybill catalog show grid FR --year 2022
        energybill catalog show accelerator "H100 SXM"
        energybill catalog show flight CDG-AUH
        energybill catalog sources
    """


@catalog.command()
@click.argument("text")
@click.option("--limit", type=LIMIT, default=40, show_default=True, help="Most rows to print.")
def search(text: str, limit: int) -> None:
    """Find entries whose name contains every word of TEXT, in every table.

    \b
    Examples:
        energybill catalog search france
        energybill catalog search "a100 80"
        energybill catalog search "abu dhabi"
    """
    from energybill.catalog.search import search as run

    rows = run(text)
    for kind, name, summary in rows[:limit]:
        click.echo(f"{kind:<12} {name:<40} {summary}")
    more = len(rows) - limit
    click.echo(f"{len(rows)} found" + (f", {more} not shown (--limit)" if more > 0 else ""))


@catalog.command()
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("name")
@click.option("--year", type=click.IntRange(1900, 2200), default=None,
              help="Data year (grid and cloud; default: latest complete).")
def show(kind: str, name: str, year: int | None) -> None:
    """Every field of one entry with its source and year.

    NAME is a country (ISO code or name), a cloud region (gcp:europe-west1), a device, an IATA
    code, a route (CDG-AUH) or an embodied-carbon entry.

    \b
    Examples:
        energybill catalog show grid FR
        energybill catalog show cloud aws:eu-west-3
        energybill catalog show accelerator "H100 SXM"
        energybill catalog show cpu "EPYC 7763"
        energybill catalog show flight CDG-AUH
        energybill catalog show embodied bloom_gpu
    """
    from energybill.catalog.show import show_lines

    for line in show_lines(kind, name, year):
        click.echo(line)


@catalog.command()
def sources() -> None:
    """Every source of the catalog: what it is, its licence, year and the attribution it requires."""
    from energybill.catalog.tables import table

    for key, record in sorted(table("sources").items()):
        click.echo(f"{key}: {record['title']}")
        for field in ("file", "licence", "year", "url", "credit"):
            click.echo(f"    {field}: {record[field]}")
