"""Runs localstripe (PyPI; a real stateful Stripe-like server, GPL-3.0, so only ever run as its own
process) on 127.0.0.1 only, with its store kept in memory instead of the shared /tmp/localstripe.pickle
its command line would load and rewrite, and its access log on stderr. Usage: localstripe_peer.py PORT"""
import logging
import sys

from aiohttp import web
from localstripe import resources

resources.Store.dump_to_disk = lambda self: None  # one test's objects never leak into another's

from localstripe.server import app  # noqa: E402 (after the store is made memory-only)

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
