"""Start Kong's Python plugin server (kong-pdk's `kong-python-pluginserver`) for our plugins.

Same arguments as `kong-python-pluginserver`. With `--gevent` the process is monkey-patched first:
the plugins call Redis through ordinary blocking sockets, which must yield to other greenlets
rather than stall every request the server is handling. Kong's `pluginserver_*_start_cmd` and
the local gateway both start the server through this module.

The plugins' decision counters are exported on `TRIVIUM_PLUGIN_METRICS_PORT` when it is set
(under Kong, where nothing else can read them), and written to `PROMETHEUS_MULTIPROC_DIR` when
that is set (the local gateway sets it and reports them on its own `/metrics`).
"""

from __future__ import annotations

import os
import sys

METRICS_PORT_ENV = "TRIVIUM_PLUGIN_METRICS_PORT"


def main() -> None:
    if "--gevent" in sys.argv or "-g" in sys.argv:
        from gevent import monkey

        monkey.patch_all()
    port = os.environ.get(METRICS_PORT_ENV)
    if port:
        from prometheus_client import start_http_server

        from trivium_gateway.plugin_support import PLUGIN_REGISTRY

        start_http_server(int(port), registry=PLUGIN_REGISTRY)
    from kong_pdk.cli import start_server

    start_server()


if __name__ == "__main__":
    main()
