"""python -m flagserver: see flagserver/cli.py."""

from flagserver.cli import main

main()
