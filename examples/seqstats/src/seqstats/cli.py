"""The seqstats command: length, GC content and N50 of the sequences in FASTA files."""

import sys

import click
import numpy as np

from . import __version__
from .fasta import read_fasta


def n50(lengths: np.ndarray) -> int:
    """Length L such that sequences of length >= L hold half of all bases."""
    if lengths.size == 0:
        return 0
    ordered = np.sort(lengths)[::-1]
    cumulative = np.cumsum(ordered)
    return int(ordered[np.searchsorted(cumulative, cumulative[-1] / 2)])


def gc_fraction(sequence: str) -> float:
    codes = np.frombuffer(sequence.encode("ascii"), dtype=np.uint8)
    if codes.size == 0:
        return 0.0
    gc = np.isin(codes, np.frombuffer(b"GCS", dtype=np.uint8)).sum()
    return float(gc) / codes.size


@click.command()
@click.version_option(__version__, prog_name="seqstats")
@click.argument("fasta", type=click.File("r"), nargs=-1)
def main(fasta):
    """Print per-file sequence count, total length, GC fraction and N50."""
    streams = fasta or (sys.stdin,)
    for stream in streams:
        records = list(read_fasta(stream))
        lengths = np.array([len(seq) for _, seq in records], dtype=np.int64)
        gc = gc_fraction("".join(seq for _, seq in records))
        click.echo(f"{stream.name}\tsequences={len(records)}\tbases={int(lengths.sum())}\tgc={gc:.3f}\tn50={n50(lengths)}")


if __name__ == "__main__":
    main()
