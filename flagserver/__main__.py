"""python -m flagserver: see flagserver/server.py."""

from flagserver.server import main

main()
