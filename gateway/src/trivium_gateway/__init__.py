"""The local gateway: the production kong.yml and Python Kong plugins, runnable without Kong."""
