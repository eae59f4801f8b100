"""Summary statistics of nucleotide sequences in FASTA files."""

__version__ = "1.2.0"
