"""A small FASTA reader: yields (name, sequence) pairs."""

from typing import Iterator, TextIO, Tuple


def read_fasta(stream: TextIO) -> Iterator[Tuple[str, str]]:
    name = None
    chunks = []
    for line in stream:
        line = line.strip()
        if not line:
            continue
        if line.startswith(">"):
            if name is not None:
                yield name, "".join(chunks)
            name, chunks = line[1:].split()[0] if len(line) > 1 else "", []
        else:
            chunks.append(line.upper())
    if name is not None:
        yield name, "".join(chunks)
