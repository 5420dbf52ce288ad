"""`python -m storymap` is the `storymap` command."""

from .cli import main

main(prog_name="storymap")
